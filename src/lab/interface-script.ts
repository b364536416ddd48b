/**
 * A shell line that sets `$<variable>` to the interface holding `ip`, or fails naming the address.
 * Interface names inside a container are not in attach order; addresses are what the lab knows.
 */
export function interfaceLookup(variable: string, ip: string): string {
  return `${variable}=$(ip -o -4 addr show to ${ip}/32 | sed -n 's/^[0-9]*: *\\([^ @]*\\).*/\\1/p'); [ -n "$${variable}" ] || { echo "no interface holds ${ip}" >&2; exit 1; }`;
}
