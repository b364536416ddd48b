import { z } from "zod";
import { parseCidr, parseIp } from "../common/ipv4.js";

// Field shapes shared by the topology header, the kinds and the impairment model. Every value that ends
// up in a shell line, a ruleset or a configuration file has one of these shapes, proved by the schema.

/** Names of networks and nodes become container host names and interface labels: RFC 1123 labels, short. */
export const NAME = /^[a-z](?:[a-z0-9-]{0,29}[a-z0-9])?$/;
export const NAME_RULE =
  "lower case letters, digits and '-', starting with a letter and not ending with '-', at most 31 characters (an RFC 1123 host name label)";
export const name = z.string().max(31).regex(NAME, NAME_RULE);

/** A field naming a node (checked against the topology's nodes) or a network. */
export const nodeRef = (what: string): z.ZodString => z.string().max(31).regex(NAME, `a node name (${what}): ${NAME_RULE}`).describe(what);
export const networkRef = (what: string): z.ZodString => z.string().max(31).regex(NAME, `a network name: ${NAME_RULE}`).describe(what);

/** An IPv4 network in CIDR form with its host bits zero ("10.8.0.0/24"). */
export const cidr = z
  .string()
  .max(18)
  .refine((s) => parseCidr(s) !== null, "an IPv4 network in CIDR form with its host bits zero, like 10.8.0.0/24");

/** A node name or an IPv4 prefix (a bare address is a /32): what routes, allowlists and matches name. */
export const nodeOrPrefix = z
  .string()
  .max(31)
  .refine((s) => NAME.test(s) || parseCidr(s.includes("/") ? s : `${s}/32`) !== null, "a node name or an IPv4 prefix like 198.51.100.0/27 (host bits zero)");

export const ipv4 = z
  .string()
  .max(15)
  .refine((s) => parseIp(s) !== null, "an IPv4 address like 10.1.0.5");
