import { interfaceLookup } from "../lab/interface-script.js";

/** Where a node's capture files live; the ring bounds them. */
export const CAPTURE_DIR = "/var/lib/callpath/capture";
/** The TLS key log the agents write (Node's --tls-keylog), beside the packets, for Wireshark to decrypt SIP over TLS and WSS. */
export const TLS_KEYLOG = `${CAPTURE_DIR}/tls-keys.log`;

/** The capture's announcements (parseAnnouncements reads them), kept beside the rings. */
export const INTERFACES_FILE = `${CAPTURE_DIR}/interfaces.txt`;

/** A ring buffer per interface: `files` files of `fileMb` MB each; the oldest is overwritten. */
export interface RingOptions {
  readonly fileMb: number;
  readonly files: number;
}

export const DEFAULT_RING: RingOptions = { fileMb: 4, files: 8 };

/** One interface a node captures on: named `node:network` in the merged capture. */
export interface CapturedInterface {
  readonly node: string;
  readonly network: string;
  /** The node's address on that network, by which the interface is found inside the node. */
  readonly address: string;
}

export function interfaceLabel(i: Pick<CapturedInterface, "node" | "network">): string {
  return `${i.node}:${i.network}`;
}

/** The ring files' base name (node and network names are [a-z0-9-], so the dot separates them). */
export function ringBase(i: Pick<CapturedInterface, "node" | "network">): string {
  return `${i.node}.${i.network}.pcap`;
}

/**
 * A script that starts one tcpdump per interface and waits for them. Each interface is announced on
 * stdout (`iface <label> <kernel name> <mac>`), so the reader can tell which kernel name is which
 * network and which direction a frame took (by MAC); tcpdump's own "listening on <kernel name>" on stderr
 * is the readiness event. `-U` writes every packet as it comes, so a copy taken while it runs is whole up
 * to its last packet; `--immediate-mode` hands each packet to tcpdump as it arrives (libpcap otherwise
 * waits for a kernel block to fill or time out, up to a second, and the packets of a block still open
 * when tcpdump is stopped are lost: the last second of every call was missing at some interfaces); `-Z root` keeps the rotated files writable (Debian's tcpdump drops to its own user).
 * Announcements and tcpdump's lines are tagged with the interface's index (`0: listening on eth1, …`).
 */
export function captureScript(interfaces: readonly CapturedInterface[], ring: RingOptions): string {
  if (!Number.isInteger(ring.fileMb) || ring.fileMb < 1 || ring.fileMb > 1000) throw new Error(`ring file size ${ring.fileMb} MB: 1..1000`);
  if (!Number.isInteger(ring.files) || ring.files < 1 || ring.files > 100) throw new Error(`ring file count ${ring.files}: 1..100`);
  const lines = [`mkdir -p ${CAPTURE_DIR}`, `: > ${INTERFACES_FILE}`];
  interfaces.forEach((i, n) => {
    const v = `IF${n}`;
    lines.push(
      interfaceLookup(v, i.address),
      // Also kept in the node: a later process (a live lab's `callpath capture`) reads which file is which.
      `echo "iface ${interfaceLabel(i)} $${v} $(cat /sys/class/net/$${v}/address)" | tee -a ${INTERFACES_FILE}`,
      // Each tcpdump's stderr through a line-buffered sed of its own: whole lines, tagged with the interface's
      // number, however the processes interleave.
      `tcpdump -i "$${v}" -n -s 0 -U --immediate-mode -Z root -C ${ring.fileMb} -W ${ring.files} -w ${CAPTURE_DIR}/${ringBase(i)} 2>&1 | sed -u "s/^/${n}: /" >&2 &`,
    );
  });
  lines.push("wait");
  return lines.join("\n");
}

/** What one capture announced: a network's kernel interface name and MAC address. */
export interface AnnouncedInterface {
  readonly label: string;
  readonly kernelName: string;
  readonly mac: string;
}

/** Reads the `iface` lines of captureScript's stdout. */
export function parseAnnouncements(stdout: string): AnnouncedInterface[] {
  const out: AnnouncedInterface[] = [];
  for (const m of stdout.matchAll(/^iface (\S+) (\S+) ([0-9a-f:]{17})$/gm)) out.push({ label: m[1]!, kernelName: m[2]!, mac: m[3]! });
  return out;
}

/** The kernel interface names tcpdump says it is listening on, from captureScript's stderr. */
export function listeningOn(stderr: string): string[] {
  return [...stderr.matchAll(/^\d+: (?:tcpdump: )?listening on ([^,\s]+),/gm)].map((m) => m[1]!);
}

/** Packets the kernel dropped before tcpdump read them (its exit summary), summed over interfaces. */
export function droppedByKernel(stderr: string): number {
  return [...stderr.matchAll(/^\d+: (\d+) packets? dropped by kernel$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}
