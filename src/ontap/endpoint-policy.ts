/**
 * The ONTAP endpoint allow-list: which hosts the operator may send a request to at all. Anyone
 * who may create an OntapCluster chooses its endpoint, so without a list the operator can be
 * made to connect, with credentials of the creator's choosing, to any host and port (SSRF). An
 * entry is a CIDR (`10.0.0.0/24`, `fd20::/64`), an IP address, a host name (`ontap1.corp`), or a
 * domain wildcard (`*.ontap.corp`: any name under it, not the domain itself). An empty list
 * allows every endpoint, as before the list existed.
 *
 * A host name endpoint is allowed by name, or else by address: it is resolved when the
 * connection is made, and only the addresses inside a listed CIDR are ever dialled (the check
 * runs in the socket's own lookup, so a name that resolves elsewhere later is not dialled).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** ENDPOINT_NOT_ALLOWED is the errno-style code of a connection the allow-list stopped. */
export const ENDPOINT_NOT_ALLOWED = 'EENDPOINTNOTALLOWED';

/** Verdict is what the allow-list says of one endpoint before any connection. */
export type Verdict =
  /** allowed: dial it (an IP inside a CIDR, a listed name, or an empty list). */
  | { readonly kind: 'allowed' }
  /** resolve: a name not listed; dial only the addresses it resolves to that are inside a CIDR. */
  | { readonly kind: 'resolve' }
  /** denied: send nothing. */
  | { readonly kind: 'denied'; readonly why: string };

/** EndpointAllowList holds the parsed entries; see the file comment. */
export class EndpointAllowList {
  private readonly cidrs = new BlockList();
  private readonly names = new Set<string>();
  private readonly suffixes: string[] = [];
  private hasCidrs = false;
  /** entries as given, for messages. */
  readonly entries: readonly string[];

  private constructor(entries: readonly string[]) {
    this.entries = entries;
  }

  /** parse reads the entries; it throws an Error naming the first one it cannot read. */
  static parse(entries: readonly string[]): EndpointAllowList {
    const list = new EndpointAllowList(entries);
    for (const raw of entries) list.add(raw.trim());
    return list;
  }

  /** empty is true when the list allows every endpoint. */
  get empty(): boolean {
    return this.entries.length === 0;
  }

  private add(entry: string): void {
    if (entry.includes('://')) throw new Error(`allowed ONTAP endpoint "${entry}": give a host or CIDR, not a URL`);
    const slash = entry.indexOf('/');
    if (slash >= 0) {
      const net = entry.slice(0, slash);
      const prefix = Number(entry.slice(slash + 1));
      const family = isIP(net);
      const max = family === 6 ? 128 : 32;
      if (family === 0 || !/^\d{1,3}$/.test(entry.slice(slash + 1)) || prefix > max) {
        throw new Error(`allowed ONTAP endpoint "${entry}": not a CIDR (want e.g. 10.0.0.0/24 or fd20::/64)`);
      }
      this.cidrs.addSubnet(net, prefix, family === 6 ? 'ipv6' : 'ipv4');
      this.hasCidrs = true;
      return;
    }
    const family = isIP(entry);
    if (family !== 0) {
      this.cidrs.addAddress(entry, family === 6 ? 'ipv6' : 'ipv4');
      this.hasCidrs = true;
      return;
    }
    const name = entry.toLowerCase().replace(/\.$/, '');
    const wildcard = name.startsWith('*.');
    const bare = wildcard ? name.slice(2) : name;
    if (!/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(bare)) {
      throw new Error(`allowed ONTAP endpoint "${entry}": not a CIDR, an IP address, a host name or *.domain`);
    }
    if (wildcard) this.suffixes.push(`.${bare}`);
    else this.names.add(bare);
  }

  /** addressAllowed tells whether an IP address is inside a listed CIDR (or the list is empty). */
  addressAllowed(address: string): boolean {
    if (this.empty) return true;
    const family = isIP(address);
    if (family === 0) return false;
    // An IPv4-mapped IPv6 address is the IPv4 address for a CIDR's purpose.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1] !== undefined) return this.cidrs.check(mapped[1], 'ipv4');
    return this.cidrs.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }

  /** verdict says what may be done with `endpoint` (an https URL) before anything is sent. */
  verdict(endpoint: string): Verdict {
    if (this.empty) return { kind: 'allowed' };
    let host: string;
    try {
      host = new URL(endpoint).hostname.toLowerCase().replace(/\.$/, '');
    } catch {
      return { kind: 'denied', why: 'the endpoint is not a URL' };
    }
    const literal = host.startsWith('[') ? host.slice(1, -1) : host;
    if (isIP(literal) !== 0) {
      return this.addressAllowed(literal) ? { kind: 'allowed' } : { kind: 'denied', why: `${literal} is in no allowed CIDR` };
    }
    if (this.names.has(host) || this.suffixes.some((s) => host.endsWith(s))) return { kind: 'allowed' };
    if (this.hasCidrs) return { kind: 'resolve' };
    return { kind: 'denied', why: `host ${host} is not an allowed name` };
  }

  /**
   * lookup is a socket `lookup` that resolves as usual and then keeps only the allowed
   * addresses; with none left it fails with ENDPOINT_NOT_ALLOWED, before any connection.
   */
  lookup(): LookupFunction {
    return (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
        if (err) {
          callback(err, '', 0);
          return;
        }
        const allowed = addresses.filter((a) => this.addressAllowed(a.address));
        if (allowed.length === 0) {
          const e = Object.assign(new Error(`${hostname} resolves to no address in the allowed ONTAP endpoints`), { code: ENDPOINT_NOT_ALLOWED });
          callback(e, '', 0);
          return;
        }
        if (options.all === true) {
          (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
          return;
        }
        const first = allowed[0] as LookupAddress;
        callback(null, first.address, first.family);
      });
    };
  }
}
