// The known signal a WebRTC agent sends (a sine into libwebrtc's audio source) and the detector on the
// audio libwebrtc decodes from the far end. Opus runs at 48 kHz; detection reuses the 8 kHz Goertzel scan.
import { detectTone, SAMPLE_RATE as DETECT_RATE, toneSamples, type DetectedSignal } from "../tone.js";

export const WEBRTC_RATE = 48_000;
const FRAME_MS = 10;
const FRAME = (WEBRTC_RATE * FRAME_MS) / 1000;

/** What RTCAudioSource.onData takes (@roamhq/wrtc's nonstandard API). */
export interface AudioFrame {
  readonly samples: Int16Array;
  readonly sampleRate: number;
  readonly bitsPerSample: 16;
  readonly channelCount: 1;
  readonly numberOfFrames: number;
}

/** Frame `n` (10 ms) of the agent's sine at `hz`. */
export function toneFrame(hz: number, n: number): AudioFrame {
  const samples = Int16Array.from(toneSamples(hz, n * FRAME, FRAME, WEBRTC_RATE), Math.round);
  return { samples, sampleRate: WEBRTC_RATE, bitsPerSample: 16, channelCount: 1, numberOfFrames: FRAME };
}

/** Feeds 10 ms frames into `push`, paced against the clock so timer drift does not accumulate. */
export class TonePacer {
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;

  constructor(
    private readonly hz: number,
    private readonly push: (frame: AudioFrame) => void,
  ) {}

  start(): void {
    if (this.timer) return;
    const t0 = performance.now();
    const tick = (): void => {
      const due = Math.floor((performance.now() - t0) / FRAME_MS) + 1;
      while (this.sent < due) this.push(toneFrame(this.hz, this.sent++));
      this.timer = setTimeout(tick, Math.max(0, t0 + this.sent * FRAME_MS - performance.now()));
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Keeps the last second of received audio (decimated to 8 kHz) and counts what arrived. */
export class ToneListener {
  private readonly recent = new Float64Array(DETECT_RATE);
  private write = 0;
  private frames = 0;

  /** Accepts one decoded frame (any rate that is a multiple of 8 kHz, mono or interleaved). */
  onFrame(samples: Int16Array, sampleRate: number, channels: number): void {
    this.frames++;
    const step = (sampleRate / DETECT_RATE) * channels;
    // Box-car average over each decimation block: a crude low-pass, enough for tones under 3.4 kHz.
    for (let i = 0; i + step <= samples.length; i += step) {
      let sum = 0;
      for (let j = 0; j < step; j += channels) sum += samples[i + j]!;
      this.recent[this.write] = sum / (step / channels);
      this.write = (this.write + 1) % this.recent.length;
    }
  }

  signal(): DetectedSignal {
    const ordered = new Float64Array(this.recent.length);
    ordered.set(this.recent.subarray(this.write));
    ordered.set(this.recent.subarray(0, this.write), this.recent.length - this.write);
    return detectTone(ordered);
  }

  get framesReceived(): number {
    return this.frames;
  }
}
