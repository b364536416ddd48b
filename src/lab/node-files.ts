import tar from "tar-stream";
import type { NodeFile } from "../kinds/kind.js";

/**
 * Files as a tar stream for Docker's archive upload (`putArchive` at "/"): one request writes them all,
 * where an exec per file costs a round trip to dockerd each. Docker's extraction creates missing parent
 * directories; existing ones are left as they are (no directory entries that would reset their modes).
 */
export function tarOf(files: readonly NodeFile[]): tar.Pack {
  const pack = tar.pack();
  for (const f of files) {
    if (!f.path.startsWith("/")) throw new Error(`node file paths are absolute: "${f.path}"`);
    pack.entry({ name: f.path.slice(1), mode: f.mode ?? 0o644 }, f.content);
  }
  pack.finalize();
  return pack;
}
