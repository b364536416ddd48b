import { LabError } from "../common/errors.js";
import { DEFAULT_RING, type RingOptions } from "./capture-plan.js";

/** Which scenarios keep their capture: the failed ones (default), all of them, or none (capture off). */
export const CAPTURE_MODES = ["failed", "all", "off"] as const;
export type CaptureMode = (typeof CAPTURE_MODES)[number];

export interface CaptureSettings {
  readonly mode: CaptureMode;
  readonly ring: RingOptions;
}

/**
 * CALLPATH_CAPTURE (failed | all | off) and CALLPATH_CAPTURE_RING (`<files>x<MB>`, per interface, default
 * 8x4). A value outside them is an error that names the valid ones, not a silent default.
 */
export function captureSettings(env: Readonly<Record<string, string | undefined>> = process.env): CaptureSettings {
  const raw = (env.CALLPATH_CAPTURE ?? "failed").trim();
  if (!(CAPTURE_MODES as readonly string[]).includes(raw))
    throw new LabError(`CALLPATH_CAPTURE is "${raw}"; valid: ${CAPTURE_MODES.join(", ")} (failed keeps the captures of failed scenarios)`);
  const ringRaw = env.CALLPATH_CAPTURE_RING?.trim();
  let ring = DEFAULT_RING;
  if (ringRaw) {
    const m = /^(\d{1,3})x(\d{1,4})$/.exec(ringRaw);
    const files = Number(m?.[1]);
    const fileMb = Number(m?.[2]);
    if (!m || files < 1 || files > 100 || fileMb < 1 || fileMb > 1000)
      throw new LabError(
        `CALLPATH_CAPTURE_RING is "${ringRaw}"; write <files>x<MB> per interface, files 1..100, MB 1..1000 (default ${DEFAULT_RING.files}x${DEFAULT_RING.fileMb})`,
      );
    ring = { files, fileMb };
  }
  return { mode: raw as CaptureMode, ring };
}
