/**
 * The ONTAP endpoint allow-list: which hosts and ports the operator may send a request to at
 * all. Anyone who may create an OntapCluster chooses its endpoint, so without a list the
 * operator can be made to connect, with credentials of the creator's choosing, to any host and
 * port (SSRF), and to send it any Secret a key manager names (a confused deputy).
 *
 * An entry is a host part and an optional port:
 *
 *   host part   a CIDR (`10.0.0.0/24`, `[fd20::/64]`), an IP address (`10.0.0.10`, `[fd20::1]`),
 *               a host name (`ontap1.corp`) or a domain wildcard (`*.ontap.corp`: any name
 *               under it, not the domain itself). IPv6 goes in brackets when a port follows;
 *               without a port the brackets may be left out (`fd20::/64`).
 *   port        `:8443` admits that port only, `:*` every port; no port means 443, ONTAP's
 *               management port. An endpoint URL without a port is port 443.
 *
 * An empty list allows no endpoint: every OntapCluster gets EndpointNotAllowed. Only the
 * explicit `allowAny` (--allow-any-ontap-endpoint) allows every host and port.
 *
 * An IPv6 entry that overlaps ::ffff:0:0/96, the IPv4-mapped addresses (`::/0`, `::ffff:0:0/104`,
 * `::ffff:10.0.0.1`), is refused: it would silently allow IPv4 addresses (every one, for `::/0`).
 * List IPv4 ranges as IPv4. An IPv4-mapped endpoint (`https://[::ffff:10.0.0.1]`) is judged as
 * the IPv4 address.
 *
 * A host name endpoint is allowed by name (and port), or else by address: it is resolved when
 * the connection is made, and only the addresses inside a CIDR listed for its port are ever
 * dialled (the check runs in the socket's own lookup, so a name that resolves elsewhere later
 * is not dialled).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** ENDPOINT_NOT_ALLOWED is the errno-style code of a connection the allow-list stopped. */
export const ENDPOINT_NOT_ALLOWED = 'EENDPOINTNOTALLOWED';

/** ONTAP_MANAGEMENT_PORT is the port of an entry or an https endpoint that names none. */
export const ONTAP_MANAGEMENT_PORT = 443;

/** NOTHING_ALLOWED is why every endpoint is refused when the list is empty: it names the flag and the chart value. */
export const NOTHING_ALLOWED =
  'no ONTAP endpoint is allowed: set --allowed-ontap-endpoints (chart value allowedOntapEndpoints) to your ONTAP management addresses';

/** Verdict is what the allow-list says of one endpoint before any connection. */
export type Verdict =
  /** allowed: dial it (an IP inside a CIDR for its port, a listed name and port, or allowAny). */
  | { readonly kind: 'allowed' }
  /** resolve: a name not listed; dial only the addresses it resolves to that a CIDR admits on `port`. */
  | { readonly kind: 'resolve'; readonly port: number }
  /** denied: send nothing. */
  | { readonly kind: 'denied'; readonly why: string };

/** Port is one port, or '*' for every port. */
type Port = number | '*';

/** AllowListOptions choose what an empty list means. */
export interface AllowListOptions {
  /** allowAny allows every host and port, whatever the entries (there must be none). @default false */
  readonly allowAny?: boolean;
}

/** MAPPED is ::ffff:0:0/96, the IPv4-mapped IPv6 addresses. */
const MAPPED = new BlockList();
MAPPED.addSubnet('::ffff:0:0', 96, 'ipv6');

/** ipv4Of returns the IPv4 address an IPv4-mapped IPv6 address (either spelling) stands for. */
function ipv4Of(v6: string): string | undefined {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(v6);
  if (dotted?.[1] !== undefined) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(v6);
  if (hex?.[1] === undefined || hex[2] === undefined) return undefined;
  const hi = parseInt(hex[1], 16);
  const lo = parseInt(hex[2], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function portText(p: Port): string {
  return p === '*' ? 'any port' : `port ${p}`;
}

/** EndpointAllowList holds the parsed entries; see the file comment. */
export class EndpointAllowList {
  /** cidrs holds one BlockList per port ('*': every port). */
  private readonly cidrs = new Map<Port, BlockList>();
  /** names maps a host name to the ports listed for it. */
  private readonly names = new Map<string, Set<Port>>();
  private readonly suffixes: Array<{ suffix: string; port: Port }> = [];
  /** entries as given, for messages. */
  readonly entries: readonly string[];
  /** allowsAny is true only with the explicit allowAny option (--allow-any-ontap-endpoint). */
  readonly allowsAny: boolean;

  private constructor(entries: readonly string[], allowAny: boolean) {
    this.entries = entries;
    this.allowsAny = allowAny;
  }

  /** parse reads the entries; it throws an Error naming the first one it cannot read. */
  static parse(entries: readonly string[], options: AllowListOptions = {}): EndpointAllowList {
    const allowAny = options.allowAny === true;
    if (allowAny && entries.length > 0) {
      throw new Error(`allowing any ONTAP endpoint and listing some (${entries.join(', ')}) contradict each other: give one or the other`);
    }
    const list = new EndpointAllowList(entries, allowAny);
    for (const raw of entries) list.add(raw.trim());
    return list;
  }

  /** empty is true when no entry is listed; without allowsAny, nothing is allowed then. */
  get empty(): boolean {
    return this.entries.length === 0;
  }

  private add(entry: string): void {
    if (entry.includes('://')) throw new Error(`allowed ONTAP endpoint "${entry}": give a host or CIDR, not a URL`);
    const { host, port } = splitPort(entry);
    const slash = host.indexOf('/');
    if (slash >= 0) {
      const net = host.slice(0, slash);
      const prefix = Number(host.slice(slash + 1));
      const family = isIP(net);
      const max = family === 6 ? 128 : 32;
      if (family === 0 || !/^\d{1,3}$/.test(host.slice(slash + 1)) || prefix > max) {
        throw new Error(`allowed ONTAP endpoint "${entry}": not a CIDR (want e.g. 10.0.0.0/24 or fd20::/64)`);
      }
      if (family === 6) refuseMapped(entry, net, prefix);
      this.block(port).addSubnet(net, prefix, family === 6 ? 'ipv6' : 'ipv4');
      return;
    }
    const family = isIP(host);
    if (family !== 0) {
      if (family === 6) refuseMapped(entry, host, 128);
      this.block(port).addAddress(host, family === 6 ? 'ipv6' : 'ipv4');
      return;
    }
    const name = host.toLowerCase().replace(/\.$/, '');
    const wildcard = name.startsWith('*.');
    const bare = wildcard ? name.slice(2) : name;
    if (!/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(bare)) {
      throw new Error(`allowed ONTAP endpoint "${entry}": not a CIDR, an IP address, a host name or *.domain (with an optional :PORT or :*)`);
    }
    if (wildcard) this.suffixes.push({ suffix: `.${bare}`, port });
    else {
      const ports = this.names.get(bare) ?? new Set<Port>();
      ports.add(port);
      this.names.set(bare, ports);
    }
  }

  private block(port: Port): BlockList {
    let b = this.cidrs.get(port);
    if (!b) {
      b = new BlockList();
      this.cidrs.set(port, b);
    }
    return b;
  }

  /** cidrAdmitsPort tells whether some CIDR or IP entry is listed for `port` (or for every port). */
  private cidrAdmitsPort(port: number): boolean {
    return this.cidrs.has('*') || this.cidrs.has(port);
  }

  /** addressAllowed tells whether an IP address on `port` is inside a CIDR listed for that port (or allowAny). */
  addressAllowed(address: string, port: number = ONTAP_MANAGEMENT_PORT): boolean {
    if (this.allowsAny) return true;
    let family = isIP(address);
    if (family === 0) return false;
    let ip = address;
    // An IPv4-mapped IPv6 address is the IPv4 address for a CIDR's purpose.
    const v4 = family === 6 ? ipv4Of(address) : undefined;
    if (v4 !== undefined) {
      ip = v4;
      family = 4;
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    return [this.cidrs.get('*'), this.cidrs.get(port)].some((b) => b?.check(ip, type) === true);
  }

  /** verdict says what may be done with `endpoint` (an https URL) before anything is sent. */
  verdict(endpoint: string): Verdict {
    if (this.allowsAny) return { kind: 'allowed' };
    if (this.empty) return { kind: 'denied', why: NOTHING_ALLOWED };
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return { kind: 'denied', why: 'the endpoint is not a URL' };
    }
    const host = url.hostname.toLowerCase().replace(/\.$/, '');
    // URL leaves out a scheme's default port: https is 443 (http, refused elsewhere, 80).
    const port = url.port !== '' ? Number(url.port) : url.protocol === 'http:' ? 80 : ONTAP_MANAGEMENT_PORT;
    const literal = host.startsWith('[') ? host.slice(1, -1) : host;
    if (isIP(literal) !== 0) {
      if (this.addressAllowed(literal, port)) return { kind: 'allowed' };
      const shown = (isIP(literal) === 6 ? ipv4Of(literal) : undefined) ?? literal;
      return { kind: 'denied', why: `${shown} on port ${port} is in no allowed CIDR for that port` };
    }
    const listed = [...(this.names.get(host) ?? []), ...this.suffixes.filter((s) => host.endsWith(s.suffix)).map((s) => s.port)];
    if (listed.some((p) => p === '*' || p === port)) return { kind: 'allowed' };
    if (this.cidrAdmitsPort(port)) return { kind: 'resolve', port };
    if (listed.length > 0) return { kind: 'denied', why: `host ${host} is allowed on ${listed.map(portText).join(', ')}, not on port ${port}` };
    return { kind: 'denied', why: `host ${host} on port ${port} is not an allowed name` };
  }

  /**
   * lookup is a socket `lookup` for a connection to `port` that resolves as usual and then keeps
   * only the addresses allowed on that port; with none left it fails with ENDPOINT_NOT_ALLOWED,
   * before any connection.
   */
  lookup(port: number = ONTAP_MANAGEMENT_PORT): LookupFunction {
    return (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
        if (err) {
          callback(err, '', 0);
          return;
        }
        const allowed = addresses.filter((a) => this.addressAllowed(a.address, port));
        if (allowed.length === 0) {
          const e = Object.assign(new Error(`${hostname} resolves to no address in the allowed ONTAP endpoints for port ${port}`), { code: ENDPOINT_NOT_ALLOWED });
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

/**
 * splitPort reads `host`, `host:PORT`, `host:*`, `[v6]`, `[v6]:PORT`, `[v6/len]:PORT`, and a bare
 * IPv6 address or CIDR (more than one colon, no brackets: no port).
 */
function splitPort(entry: string): { host: string; port: Port } {
  let host = entry;
  let rest = '';
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']');
    if (close < 0) throw new Error(`allowed ONTAP endpoint "${entry}": no closing ]`);
    host = entry.slice(1, close);
    rest = entry.slice(close + 1);
    if (isIP(host.split('/')[0] ?? '') !== 6) throw new Error(`allowed ONTAP endpoint "${entry}": brackets hold an IPv6 address or CIDR`);
    if (rest !== '' && !rest.startsWith(':')) throw new Error(`allowed ONTAP endpoint "${entry}": want [IPv6]:PORT`);
    rest = rest.slice(1);
    if (rest === '' && entry.endsWith(':')) throw new Error(`allowed ONTAP endpoint "${entry}": an empty port`);
  } else {
    const colons = entry.split(':').length - 1;
    if (colons === 1) {
      const at = entry.indexOf(':');
      host = entry.slice(0, at);
      rest = entry.slice(at + 1);
      if (rest === '') throw new Error(`allowed ONTAP endpoint "${entry}": an empty port`);
    }
  }
  if (rest === '') return { host, port: ONTAP_MANAGEMENT_PORT };
  if (rest === '*') return { host, port: '*' };
  const port = Number(rest);
  if (!/^\d{1,5}$/.test(rest) || port < 1 || port > 65_535) {
    throw new Error(`allowed ONTAP endpoint "${entry}": the port must be 1 to 65535, or * for any port`);
  }
  return { host, port };
}

/** refuseMapped throws for an IPv6 entry that overlaps ::ffff:0:0/96 (see the file comment). */
function refuseMapped(entry: string, net: string, prefix: number): void {
  // Two CIDRs overlap when one holds the other's network address: a short entry (/96 or less)
  // covers the mapped range when it holds ::ffff:0:0, a long one lies inside it when the range holds it.
  let overlaps: boolean;
  if (prefix <= 96) {
    const b = new BlockList();
    b.addSubnet(net, prefix, 'ipv6');
    overlaps = b.check('::ffff:0:0', 'ipv6');
  } else {
    overlaps = MAPPED.check(net, 'ipv6');
  }
  if (!overlaps) return;
  const what = prefix <= 96 ? 'covers ::ffff:0:0/96, the IPv4-mapped addresses, so it would allow every IPv4 address' : 'is inside ::ffff:0:0/96, the IPv4-mapped addresses, so it would allow IPv4 addresses';
  throw new Error(`allowed ONTAP endpoint "${entry}" ${what}: list IPv4 ranges as IPv4 (e.g. 10.0.0.0/24), and IPv6 ranges that leave ::ffff:0:0/96 out (e.g. 2000::/3)`);
}
