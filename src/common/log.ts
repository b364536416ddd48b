// One line per event, tagged with the lab and node, on stderr so stdout stays the CLI's and cucumber's.
export type Logger = (message: string) => void;

export const quiet: Logger = () => undefined;

export function stderrLogger(prefix = "callpath"): Logger {
  return (message) => process.stderr.write(`${prefix}: ${message}\n`);
}

export function tagged(log: Logger, tag: string): Logger {
  return (message) => log(`[${tag}] ${message}`);
}
