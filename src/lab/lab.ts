import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import { LabError } from "../common/errors.js";
import type { Cidr } from "../common/ipv4.js";
import { quiet, tagged, type Logger } from "../common/log.js";
import { builtinKinds } from "../kinds/builtin.js";
import type { KindRegistry } from "../kinds/registry.js";
import type { ResolvedNode, ResolvedTopology } from "../topology/types.js";
import { interfaceLookup, linkMtuLines } from "./interface-script.js";
import { activeLabs } from "./active-labs.js";
import { removeLabNetwork } from "./remove-network.js";
import { docker } from "./docker-engine.js";
import type { ImageName } from "./images.js";
import { createLabNetwork, occupiedSubnets, type CreatedNetwork } from "./lab-network.js";
import { labLabels, NODE_LABEL } from "./labels.js";
import { LabSecrets } from "./lab-secrets.js";
import { judgeRoute, sealProbes, sinkRoute } from "./seal.js";
import { StartedLab, type StartedNode } from "./started-lab.js";
import { addressBook, nodeRuntime, type RuntimeContext } from "./node-runtime.js";
import { TeardownStack } from "./teardown-stack.js";
import { stageClock } from "./stage-clock.js";
import { dependenciesOf, settleAll, startWaves } from "./start-order.js";
import { LabImpairments } from "../impair/lab-impairments.js";
import { nodeOrPrefix } from "../kinds/node-ref.js";
import { byDirection } from "../impair/model.js";
import { CAPTURE_DIR, type RingOptions } from "../capture/capture-plan.js";
import { LabCapture } from "../capture/lab-capture.js";
import { NodeCapture } from "../capture/node-capture.js";
import { commonFields } from "../topology/schema.js";

export interface LabOptions {
  /** Logical image name → tag, from ensureImages(). */
  readonly images: Record<ImageName, string>;
  readonly kinds?: KindRegistry;
  readonly log?: Logger;
  readonly docker?: Docker;
  /** A lab a person keeps (`callpath up`): labelled so that no orphan sweep removes it. */
  readonly keep?: boolean;
  /**
   * Packet capture on every interface of every capturable node, from before the nodes are configured
   * until teardown, in a ring buffer of this size per interface. Off when absent.
   */
  readonly capture?: RingOptions;
}

/** How long an interrupted process waits for a lab's build in flight to settle before it exits. */
const BUILD_SETTLE_MS = 60_000;

/** A topology ready to be brought up. `start()` gives a StartedLab or, on failure, removes all it built. */
export class Lab {
  constructor(
    readonly topology: ResolvedTopology,
    private readonly options: LabOptions,
  ) {}

  async start(): Promise<StartedLab> {
    const id = randomBytes(4).toString("hex");
    const d = this.options.docker ?? docker();
    const kinds = this.options.kinds ?? builtinKinds();
    const log = tagged(this.options.log ?? quiet, `lab ${id}`);
    const teardown = new TeardownStack();
    let building: Promise<StartedLab> | undefined;
    // An interrupt while the lab starts: the build stops at its next stage's end and its rollback removes
    // what it made, in order; the process waits for that before it exits.
    const unregister = await activeLabs.creating(async () =>
      activeLabs.add(id, async () => {
        teardown.interrupt();
        await Promise.race([building?.catch(() => undefined), new Promise((r) => setTimeout(r, BUILD_SETTLE_MS).unref())]);
        return teardown.unwind();
      }),
    );
    const started = Date.now();
    try {
      building = this.build(id, d, kinds, log, teardown, unregister);
      const lab = await building;
      log(`up in ${Date.now() - started} ms (${this.topology.nodes.size} nodes, ${this.topology.networks.size} networks)`);
      return lab;
    } catch (e) {
      log(`start failed: ${(e as Error).message.split("\n")[0]}; removing what was built`);
      const errors = await teardown.unwind();
      unregister();
      if (errors.length > 0)
        throw new AggregateError([e, ...errors], `${(e as Error).message}\n(and cleanup failed: ${errors.map((x) => x.message).join("; ")})`);
      throw e;
    }
  }

  private async build(id: string, d: Docker, kinds: KindRegistry, log: Logger, teardown: TeardownStack, unregister: () => void): Promise<StartedLab> {
    const topo = this.topology;
    const labels = labLabels(id, topo.name, { keep: this.options.keep });
    const clock = stageClock();
    // Each stage's end is also where an interrupted start stops building.
    const mark = (stage: string): void => {
      clock.mark(stage);
      if (teardown.stopping) throw new LabError(`lab ${id}: interrupted while starting (after stage "${stage}")`);
    };
    const secrets = await LabSecrets.create(id);
    mark("secrets");

    // Stage 1: networks, one subnet each from the pool (or as declared), checked against the host.
    const occupied = await occupiedSubnets(d);
    const networks = new Map<string, CreatedNetwork>();
    for (const net of topo.networks.values()) {
      const created = await createLabNetwork(d, net, `callpath-${id}-${net.name}`, labels, occupied);
      teardown.push(`remove network ${created.dockerName}`, () => removeLabNetwork(d, created.id), "networks");
      networks.set(net.name, created);
    }
    mark("networks");
    const book = addressBook(topo, new Map([...networks].map(([name, n]) => [name, n.subnet])), id);
    const { addressOf, addressesOf, primary: addresses } = book;
    const context: RuntimeContext = {
      docker: d,
      labId: id,
      topology: topo,
      log,
      addresses: book,
      secrets: () => secrets,
      kept: this.options.keep === true,
      defer: (what, undo) => teardown.push(what, undo),
    };

    // Stage 2: containers, created with fixed addresses on every network, then started. Every create is
    // settled before a failure is thrown: a sibling still in flight would otherwise register its cleanup
    // after the rollback ran, and its container would leak.
    const nodes = new Map<string, StartedNode>();
    await settleAll(
      [...topo.nodes.values()].map(async (node) => {
        const kind = kinds.get(node.kind);
        const plan = kind.plan(node as never, topo);
        const [first, ...rest] = node.interfaces;
        if (!first) throw new LabError(`node "${node.name}" joins no network`);
        const container = await d.createContainer({
          name: `callpath-${id}-${node.name}`,
          Hostname: node.name,
          Image: this.options.images[plan.image as ImageName] ?? plan.image,
          Cmd: plan.cmd ? [...plan.cmd] : undefined,
          Entrypoint: plan.entrypoint ? [...plan.entrypoint] : undefined,
          Env: Object.entries(plan.env ?? {}).map(([k, v]) => `${k}=${v}`),
          Labels: { ...labels, [NODE_LABEL]: node.name },
          HostConfig: {
            NetworkMode: networks.get(first.network)!.dockerName,
            // Every node needs NET_ADMIN: the lab replaces its routes before releasing it.
            CapAdd: [...new Set(["NET_ADMIN", ...(plan.capAdd ?? [])])],
            Sysctls: { ...(plan.sysctls ?? {}) },
            Devices: (plan.devices ?? []).map((dev) => ({ PathOnHost: dev, PathInContainer: dev, CgroupPermissions: "rwm" })),
          },
          NetworkingConfig: {
            EndpointsConfig: { [networks.get(first.network)!.dockerName]: { IPAMConfig: { IPv4Address: addressOf(node.name, first.network) } } },
          },
        });
        teardown.push(`remove container of ${node.name}`, () => container.remove({ force: true, v: true }), "containers");
        // One endpoint per network: Docker refuses a second on the same one. Further addresses on a network
        // the node already joins are added in stage 3 (secondaryAddresses).
        const connected = new Set([first.network]);
        for (const i of rest) {
          if (connected.has(i.network)) continue;
          connected.add(i.network);
          await d.getNetwork(networks.get(i.network)!.id).connect({
            Container: container.id,
            EndpointConfig: { IPAMConfig: { IPv4Address: addressOf(node.name, i.network) } },
          });
        }
        await container.start();
        const runtime = nodeRuntime(context, node, container.id);
        nodes.set(node.name, { runtime, containerId: container.id, kind: node.kind, handle: undefined });
      }),
    );

    mark("containers");
    // Stage 3: routes. Docker's default route goes; a node with a gateway routes through that node only.
    await settleAll(
      [...nodes.values()].map(async ({ runtime }) => {
        const gw = runtime.node.gateway;
        const shared = gw ? runtime.node.interfaces.find((i) => addresses.get(gw)?.has(i.network)) : undefined;
        const script = [
          // One segment per packet, as a real link carries them: veth would otherwise pass TCP's GSO
          // super-packets whole through the routers' netfilter hooks, so a SIP helper or a DPI rule never
          // saw a message split across segments (CONDITIONS A3.10).
          'for d in /sys/class/net/*; do n="${d##*/}"; [ "$n" = lo ] || ip link set dev "$n" gso_max_segs 1; done',
          "if ip -4 route show default | grep -q .; then ip -4 route del default; fi",
          // The capture files and the agents' TLS key log go here (in the container's own file system:
          // Docker's archive API, which copies them out, cannot read a tmpfs mount).
          `mkdir -p ${CAPTURE_DIR}`,
          ...secondaryAddresses(runtime.node, networks, addressesOf),
          // Link ends with their own MTU (a PPPoE WAN), over the network's: before anything sends.
          ...linkMtuLines(commonFields(runtime.node).linkMtu ?? {}, (network) => addressesOf(runtime.name, network)[0]),
        ];
        if (gw && shared) script.push(`ip -4 route add default via ${addressOf(gw, shared.network)}`);
        else script.push(...sinkRoute());
        await runtime.exec(["sh", "-ec", script.join("\n")]);
      }),
    );
    mark("routes");
    // Stage 3b: packet capture, listening on every interface before any node is configured (a VPN client
    // sends in its configure) or released.
    const captures = new Map<string, NodeCapture>();
    if (this.options.capture) {
      const ring = this.options.capture;
      await settleAll(
        [...nodes.values()]
          .filter((n) => kinds.get(n.kind).capturable)
          .map(async ({ runtime }) => {
            const c = await NodeCapture.start(runtime, ring);
            teardown.push(`${runtime.name}: stop capturing`, async () => c.close(), "captures");
            captures.set(runtime.name, c);
          }),
      );
    }
    const capture = this.options.capture
      ? new LabCapture(id, captures, async (node, path) => {
          const containerId = nodes.get(node)!.containerId;
          return (await d.getContainer(containerId).getArchive({ path })) as unknown as NodeJS.ReadableStream;
        })
      : undefined;

    mark("capture");
    // Stage 4: each kind's own set-up (firewall rules and the like), before any service runs.
    // A node is configured after its gateway: a router's NAT must exist before anything behind it sends
    // (a VPN client does, in its configure), or the first packets get conntrack entries without NAT that
    // the rest of their flow then follows.
    const configured = new Map<string, Promise<void>>();
    const configure = (name: string): Promise<void> => {
      let p = configured.get(name);
      if (!p) {
        const { runtime, kind } = nodes.get(name)!;
        const gw = runtime.node.gateway;
        // A gateway that failed fails on its own; this node still settles, so the rollback waits for it.
        p = (gw && nodes.has(gw) ? configure(gw).catch(() => undefined) : Promise.resolve()).then(() => kinds.get(kind).configure?.(runtime));
        configured.set(name, p);
      }
      return p;
    };
    await settleAll([...nodes.keys()].map(configure));
    mark("configure");
    await this.checkSealed(nodes, networks);
    mark("seal check");

    // Stage 4b: declared impairments, on before any service speaks.
    const impairments = new LabImpairments(topo.impairmentEngine, topo.file);
    await settleAll(
      [...nodes.values()].map(async ({ runtime }) => {
        const declared = commonFields(runtime.node).impair ?? {};
        for (const [network, link] of Object.entries(declared)) {
          for (const [direction, rules] of Object.entries(byDirection(link)) as Array<["egress" | "ingress", typeof link.egress & object]>) {
            if (rules.length > 0) await impairments.apply(runtime, { node: runtime.name, network, direction }, rules, (ref) => nodeOrPrefix(runtime, ref));
          }
        }
      }),
    );

    mark("impairments");
    // Stage 5: release each node once the nodes it references are ready (an agent after its SIP server,
    // TURN server and gateway), as containerlab's stages do. (OpenVPN tunnels come up in configure, before
    // any release: a VPN client waits there for its tunnel, up to 30 s.)
    const abort = new AbortController();
    teardown.interrupted.addEventListener("abort", () => abort.abort(), { once: true });
    const started = Date.now();
    const waves = startWaves(topo, kinds);
    log(`start order: ${waves.map((w, i) => `${i + 1}: ${w.join(" ")}`).join(" | ")}`);
    const readiness = new Map<string, Promise<void>>();
    for (const wave of waves) {
      for (const name of wave) {
        const n = nodes.get(name)!;
        const deps = dependenciesOf(topo.nodes.get(name)!, kinds).map((d) => readiness.get(d)!);
        readiness.set(
          name,
          (async () => {
            // A dependency's failure is reported once, by the node that failed; its dependents only say why they did not start.
            const dependencies = Promise.all(deps).then(
              () => {
                if (abort.signal.aborted) throw new LabError(`${name}: not started, another node failed`);
              },
              () => {
                throw new LabError(`${name}: not started, another node failed`);
              },
            );
            const kind = kinds.get(n.kind);
            if (!kind.startsEarly) await dependencies;
            else dependencies.catch(() => undefined); // the kind awaits it; never an unhandled rejection
            // SIGUSR1 releases callpath-init (containers/base): a signal costs the engine a third of an exec.
            await d.getContainer(n.containerId).kill({ signal: "SIGUSR1" });
            const handle = await kind.ready?.(n.runtime, abort.signal, dependencies);
            n.handle = handle;
            n.runtime.log(`ready ${Date.now() - started} ms after the lab began`);
            if (handle?.stop) teardown.push(`stop the service of ${n.runtime.name}`, () => handle.stop!(), "services");
          })().catch((e: unknown) => {
            abort.abort();
            throw e;
          }),
        );
      }
    }
    await settleAll([...readiness.values()]);
    mark("ready");
    log(`stages (ms): ${clock.summary()}`);
    return new StartedLab(id, topo, nodes, teardown, log, unregister, kinds, impairments, capture);
  }

  private async checkSealed(nodes: Map<string, StartedNode>, networks: Map<string, CreatedNetwork>): Promise<void> {
    const labAddresses = new Set(
      [...nodes.values()].flatMap(({ runtime }) =>
        [...new Set(runtime.node.interfaces.map((i) => i.network))].flatMap((n) => runtime.addressesOf(runtime.name, n)),
      ),
    );
    const gateways = new Set([...networks.values()].map((n) => n.bridgeGateway));
    const leaks: string[] = [];
    const probes = sealProbes([...networks.values()].map((n) => n.subnet));
    await Promise.all(
      [...nodes.values()].map(async ({ runtime }) => {
        // One exec per node for all probes: each exec costs a round trip to dockerd.
        const script = probes.map((p) => `echo "probe=${p}"; ip -4 route get ${p} 2>&1; echo "exit=$?"`).join("\n");
        const out = await runtime.exec(["sh", "-c", script]);
        for (const block of out.split(/^probe=/m).slice(1)) {
          const probe = block.slice(0, block.indexOf("\n"));
          const code = Number(/exit=(\d+)\s*$/.exec(block)?.[1] ?? 1);
          const body = block.slice(block.indexOf("\n") + 1).replace(/exit=\d+\s*$/, "");
          const v = judgeRoute(body, code, labAddresses, gateways);
          if (!v.sealed) leaks.push(`${runtime.name} → ${probe}: ${v.reason}`);
        }
      }),
    );
    if (leaks.length > 0) throw new LabError(`lab is not sealed:\n  ${leaks.join("\n  ")}`);
  }
}

/**
 * Shell lines that put a node's further addresses on a network (attachments after its first on that
 * network: a TURN server's RFC 5780 second address) on the interface that holds its primary one there.
 */
export function secondaryAddresses(
  node: Pick<ResolvedNode, "name" | "interfaces">,
  networks: ReadonlyMap<string, { readonly subnet: Cidr }>,
  addressesOf: (node: string, network: string) => string[],
): string[] {
  const lines: string[] = [];
  for (const network of new Set(node.interfaces.map((i) => i.network))) {
    const [primary, ...more] = addressesOf(node.name, network);
    if (!primary || more.length === 0) continue;
    const prefix = networks.get(network)!.subnet.prefix;
    lines.push(interfaceLookup("IF", primary), ...more.map((ip) => `ip -4 addr add ${ip}/${prefix} dev "$IF"`));
  }
  return lines;
}
