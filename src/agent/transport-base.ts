import { EmitterImpl, type Emitter } from "sip.js/lib/api/emitter.js";
import { TransportState } from "sip.js/lib/api/transport-state.js";
import type { Transport } from "sip.js/lib/api/transport.js";

/** What every transport of ours shares with sip.js: the callbacks it assigns and the state it watches. */
export abstract class TransportBase implements Transport {
  abstract readonly protocol: string;
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;
  private _state = TransportState.Disconnected;
  private readonly _stateChange = new EmitterImpl<TransportState>();

  abstract connect(): Promise<void>;
  abstract disconnect(): Promise<void>;
  abstract send(message: string): Promise<void>;

  get state(): TransportState {
    return this._state;
  }
  get stateChange(): Emitter<TransportState> {
    return this._stateChange;
  }

  isConnected(): boolean {
    return this._state === TransportState.Connected;
  }

  async dispose(): Promise<void> {
    await this.disconnect();
  }

  protected setState(state: TransportState): void {
    if (this._state === state) return;
    this._state = state;
    this._stateChange.emit(state);
  }
}
