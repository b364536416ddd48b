// The one place the native WebRTC stack is loaded, with the types the agent uses from it.
import wrtc from "@roamhq/wrtc";

export const { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate, MediaStream, MediaStreamTrack, nonstandard } = wrtc as unknown as {
  RTCPeerConnection: typeof globalThis.RTCPeerConnection;
  RTCSessionDescription: unknown;
  RTCIceCandidate: unknown;
  MediaStream: typeof globalThis.MediaStream;
  MediaStreamTrack: unknown;
  nonstandard: {
    RTCAudioSource: new () => { createTrack(): MediaStreamTrack; onData(frame: unknown): void };
    RTCAudioSink: new (
      track: MediaStreamTrack,
    ) => {
      ondata: ((d: { samples: Int16Array; sampleRate: number; channelCount: number }) => void) | null;
      stop(): void;
    };
  };
};

/**
 * What sip.js's browser code expects to find globally. `MediaStreamTrackEvent` does not exist in Node;
 * sip.js only constructs it to dispatch "addtrack" on its own streams.
 */
export function installWebRtcGlobals(): void {
  const g = globalThis as Record<string, unknown>;
  g.RTCPeerConnection = RTCPeerConnection;
  g.RTCSessionDescription = RTCSessionDescription;
  g.RTCIceCandidate = RTCIceCandidate;
  g.MediaStream = MediaStream;
  g.MediaStreamTrack = MediaStreamTrack;
  g.MediaStreamTrackEvent ??= class MediaStreamTrackEvent extends Event {
    readonly track: unknown;
    constructor(type: string, init: { track: unknown }) {
      super(type);
      this.track = init.track;
    }
  };
}
