import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { LabError } from "../../common/errors.js";

// The kernel SIP helper's runtime parameters live in /sys/module/nf_conntrack_sip/parameters and are global
// to the kernel: every namespace, so every lab on the host, shares them. A lab that needs other values
// holds a host-wide lock while it runs and puts the defaults back when it stops; a lab that relies on the
// defaults refuses to start while another lab holds them changed.

export const SIP_HELPER_DEFAULTS = { sip_direct_media: 1, sip_direct_signalling: 1, sip_external_media: 0 } as const;
export type SipHelperParam = keyof typeof SIP_HELPER_DEFAULTS;
export type SipHelperParams = Record<SipHelperParam, number>;

export interface ParamHost {
  readonly paramDir: string;
  readonly lockFile: string;
  /** Whether a process still runs (a lock whose owner died is stale). */
  alive(pid: number): boolean;
}

export const HOST: ParamHost = {
  paramDir: "/sys/module/nf_conntrack_sip/parameters",
  lockFile: "/run/callpath/sip-helper.lock",
  alive: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === "EPERM";
    }
  },
};

interface LockBody {
  readonly lab: string;
  readonly pid: number;
  readonly params: SipHelperParams;
}

/** The kernel-wide parameters out of a helper's options (ports and transports are per router), in one key order. */
export function helperParamsOf(helper: Readonly<SipHelperParams>): SipHelperParams {
  return Object.fromEntries((Object.keys(SIP_HELPER_DEFAULTS) as SipHelperParam[]).map((k) => [k, helper[k]])) as SipHelperParams;
}

export function differsFromDefaults(p: SipHelperParams): boolean {
  return (Object.keys(SIP_HELPER_DEFAULTS) as SipHelperParam[]).some((k) => p[k] !== SIP_HELPER_DEFAULTS[k]);
}

async function readParams(host: ParamHost): Promise<SipHelperParams> {
  const out = {} as SipHelperParams;
  for (const k of Object.keys(SIP_HELPER_DEFAULTS) as SipHelperParam[]) {
    const text = await readFile(`${host.paramDir}/${k}`, "utf8").catch((e: NodeJS.ErrnoException) => {
      throw new LabError(
        `cannot read the kernel SIP helper parameter ${k} (${e.code}): this host's kernel has no nf_conntrack_sip, or callpath does not run on the Docker host`,
      );
    });
    out[k] = Number(text.trim());
  }
  return out;
}

async function writeParams(host: ParamHost, p: SipHelperParams): Promise<void> {
  for (const k of Object.keys(p) as SipHelperParam[]) {
    await writeFile(`${host.paramDir}/${k}`, String(p[k])).catch((e: NodeJS.ErrnoException) => {
      throw new LabError(`cannot set the kernel SIP helper parameter ${k}=${p[k]} (${e.code}): it needs root on the Docker host itself`);
    });
  }
}

async function readLock(host: ParamHost): Promise<LockBody | undefined> {
  const text = await readFile(host.lockFile, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as LockBody;
  } catch {
    return undefined;
  }
}

/**
 * Makes the kernel's SIP helper parameters what `lab` needs. Returns the undo (restore the defaults,
 * release the lock), or undefined when nothing was changed.
 */
export async function claimSipHelperParams(lab: string, wanted: SipHelperParams, host: ParamHost = HOST): Promise<(() => Promise<void>) | undefined> {
  const lock = await readLock(host);
  const live = lock !== undefined && (lock.pid === process.pid || host.alive(lock.pid));
  if (lock && live) {
    throw new LabError(
      `the kernel SIP helper parameters are held by lab ${lock.lab} (pid ${lock.pid}) with ${JSON.stringify(lock.params)}; they are global to the kernel, so labs that use the helper run one after another`,
    );
  }
  if (lock) {
    // A crashed run left its values behind: put the defaults back before deciding anything.
    await writeParams(host, { ...SIP_HELPER_DEFAULTS });
    await rm(host.lockFile, { force: true });
  }
  const current = await readParams(host);
  if (!differsFromDefaults(wanted)) {
    if (differsFromDefaults(current)) {
      throw new LabError(
        `the kernel SIP helper parameters are ${JSON.stringify(current)}, not the defaults, and no lab holds them; reset them in ${host.paramDir}`,
      );
    }
    return undefined;
  }
  await mkdir(dirname(host.lockFile), { recursive: true });
  await writeFile(host.lockFile, JSON.stringify({ lab, pid: process.pid, params: wanted } satisfies LockBody), { flag: "wx" }).catch(
    (e: NodeJS.ErrnoException) => {
      throw new LabError(`another lab took the kernel SIP helper parameters at the same moment (${e.code}); run helper labs one after another`);
    },
  );
  await writeParams(host, wanted);
  return async () => {
    await writeParams(host, { ...SIP_HELPER_DEFAULTS });
    await rm(host.lockFile, { force: true });
  };
}
