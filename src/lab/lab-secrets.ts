// Per-lab secrets: a throwaway certificate authority, server certificates it signs, and TURN long-term
// credentials. Made in memory at lab start and handed to the containers that need them; never written
// into the repository, gone with the lab.
import { randomBytes, webcrypto } from "node:crypto";
import type * as X509 from "@peculiar/x509";

let loaded: Promise<typeof X509> | undefined;

/**
 * @peculiar/x509, loaded when a lab first needs a certificate: it takes a good part of a second to load, and
 * most callpath commands (validate, call, impair, ...) never make one. It resolves its services through
 * tsyringe, which needs the Reflect metadata API.
 */
function loadX509(): Promise<typeof X509> {
  loaded ??= (async () => {
    await import("reflect-metadata");
    const x509 = await import("@peculiar/x509");
    x509.cryptoProvider.set(webcrypto as unknown as Crypto);
    return x509;
  })();
  return loaded;
}

const EC: EcKeyGenParams & EcdsaParams = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };

export interface ServerCertificate {
  /** PEM: the server certificate followed by the lab CA, so servers send the whole chain. */
  readonly chainPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface TurnCredential {
  readonly username: string;
  readonly password: string;
}

export class LabSecrets {
  private constructor(
    readonly caPem: string,
    private readonly caCert: X509.X509Certificate,
    private readonly caKeys: CryptoKeyPair,
    readonly turn: TurnCredential,
  ) {}

  static async create(labId: string): Promise<LabSecrets> {
    const x509 = await loadX509();
    const keys = (await webcrypto.subtle.generateKey(EC, true, ["sign", "verify"])) as CryptoKeyPair;
    const { notBefore, notAfter } = validity();
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: `CN=callpath lab ${labId} CA, O=callpath`,
      notBefore,
      notAfter,
      keys,
      signingAlgorithm: EC,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new LabSecrets(ca.toString("pem"), ca, keys, { username: "callpath", password: randomBytes(12).toString("hex") });
  }

  /** A server (or client) certificate for `dnsName` and the given addresses, signed by this lab's CA. */
  async issue(dnsName: string, ips: readonly string[], usage: "server" | "client" = "server"): Promise<ServerCertificate> {
    const x509 = await loadX509();
    const keys = (await webcrypto.subtle.generateKey(EC, true, ["sign", "verify"])) as CryptoKeyPair;
    const { notBefore, notAfter } = validity();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${dnsName}`,
      issuer: this.caCert.subject,
      notBefore,
      notAfter,
      publicKey: keys.publicKey,
      signingKey: this.caKeys.privateKey,
      signingAlgorithm: EC,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
        new x509.ExtendedKeyUsageExtension([usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: "dns", value: dnsName }, ...ips.map((ip) => ({ type: "ip" as const, value: ip }))]),
        await x509.AuthorityKeyIdentifierExtension.create(this.caCert),
      ],
    });
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
    const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END PRIVATE KEY-----\n`;
    const certPem = `${cert.toString("pem")}\n`;
    return { certPem, chainPem: `${certPem}${this.caPem}\n`, keyPem };
  }
}

function validity(): { notBefore: Date; notAfter: Date } {
  // A little slack backwards: container clocks are the host's, but a lab may be inspected for hours.
  return { notBefore: new Date(Date.now() - 3_600_000), notAfter: new Date(Date.now() + 7 * 86_400_000) };
}

function serial(): string {
  // Positive, non-zero: the top bit clear.
  const b = randomBytes(12);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b.toString("hex");
}
