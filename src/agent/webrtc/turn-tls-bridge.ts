// TURN over TLS for libwebrtc inside @roamhq/wrtc. That build checks TURN server certificates against
// the root store compiled into it and exposes no way to add a CA (no tlsCertPolicy, no verifier), so a
// per-lab CA can never be trusted by it. The agent therefore opens the TLS session itself, checking the
// lab CA and the server name as a real client would, and lets libwebrtc speak TURN over TCP to this
// local end. On the network the agent's traffic is exactly TURNS: a TLS session to the server's port.
import net from "node:net";
import tls from "node:tls";

export interface TlsBridgeTarget {
  /** Local address the bridge listens on (the agent's own; its container has no loopback address). */
  readonly listen: string;
  readonly host: string;
  readonly port: number;
  readonly servername: string;
  readonly ca: string;
}

export class TurnTlsBridge {
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    readonly target: TlsBridgeTarget,
  ) {}

  static async open(target: TlsBridgeTarget): Promise<TurnTlsBridge> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, target.listen, () => resolve());
    });
    const bridge = new TurnTlsBridge(server, (server.address() as net.AddressInfo).port, target);
    server.on("connection", (client) => bridge.relay(client));
    return bridge;
  }

  /** The URL libwebrtc is given instead of `turns:host:port?transport=tcp`. */
  get localUrl(): string {
    return `turn:${this.target.listen}:${this.port}?transport=tcp`;
  }

  get realUrl(): string {
    return `turns:${this.target.host}:${this.target.port}?transport=tcp`;
  }

  private relay(client: net.Socket): void {
    this.sockets.add(client);
    const upstream = tls.connect({ host: this.target.host, port: this.target.port, servername: this.target.servername, ca: this.target.ca });
    this.sockets.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    // A TLS failure reaches libwebrtc as a closed TURN connection, which it reports as a gathering error.
    upstream.on("error", close);
    client.on("error", close);
    client.on("close", close);
    upstream.on("close", close);
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
    this.server.close();
  }
}
