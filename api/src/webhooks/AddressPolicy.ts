/**
 * The one address policy of webhook deliveries: which IP addresses the service may connect to.
 * CallbackUrl.ts applies it to literal hosts when a subscription is made and to the address actually
 * connected at delivery; nothing else decides.
 *
 * Parsing and ranges are ipaddr.js's, which reads every IPv4 spelling (`2852039166`, `0xa9fea9fe`,
 * `0251.0376.0251.0376`, `169.254.43518`) as WHATWG `URL` and `getaddrinfo` do. An IPv6 address that
 * carries an IPv4 one is judged by that IPv4 too, so `[::ffff:a9fe:a9fe]` is 169.254.169.254:
 * IPv4-mapped `::ffff:0:0/96` and IPv4-translated `::ffff:0:0:0/96`, IPv4-compatible `::/96`, NAT64
 * `64:ff9b::/96` and `64:ff9b:1::/48`, 6to4 `2002::/16` (the relay's IPv4) and Teredo `2001::/32`
 * (server and client IPv4s); the strictest answer wins.
 *
 * - forbidden (always): unspecified, link-local (`169.254.0.0/16` holds the instance metadata
 *   endpoints; `fe80::/10`), multicast, broadcast, reserved and special-purpose ranges, and the cloud
 *   platform endpoints listed in `PLATFORM_ENDPOINTS` even where their range is private or public;
 * - private (only with `allowPrivateNetworks`): loopback (`127/8`, `::1`), `10/8`, `172.16/12`,
 *   `192.168/16`, `100.64/10` (carrier-grade NAT), `fc00::/7`, deprecated site-local `fec0::/10`, the
 *   local-use NAT64 prefix `64:ff9b:1::/48`;
 * - public: everything else.
 */
import ipaddr from 'ipaddr.js';

export type AddressClass = 'forbidden' | 'private' | 'public';

export interface AddressVerdict {
  class: AddressClass;
  /** What the address is, for messages: "a link-local address", "this machine", … */
  what: string;
  /** The IPv4 address that decided, when it was embedded in an IPv6 one (or spelt unusually). */
  ipv4?: string;
}

/**
 * Cloud platform endpoints outside the link-local range (which is forbidden as a whole):
 * AWS IMDS over IPv6 (`fd00:ec2::254`), Google Cloud's metadata server over IPv6 (`fd20:ce::254`),
 * Alibaba Cloud's metadata (`100.100.100.200`, inside carrier-grade NAT), and Azure's WireServer
 * `168.63.129.16`, a public address that reaches the host platform
 * (https://learn.microsoft.com/azure/virtual-network/what-is-ip-address-168-63-129-16).
 */
const PLATFORM_ENDPOINTS = ['fd00:ec2::254', 'fd20:ce::254', '100.100.100.200', '168.63.129.16'].map((text) => ipaddr.parse(text).toNormalizedString());

const V4_FORBIDDEN: Record<string, string> = {
  unspecified: 'an unspecified address',
  broadcast: 'a broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address',
  reserved: 'a reserved address',
};
const V4_PRIVATE: Record<string, string> = {
  loopback: 'this machine',
  private: 'a private network',
  carrierGradeNat: 'a private network',
};
/** Public unicast, and anycast services any host may reach. */
const V4_PUBLIC = new Set(['unicast', 'as112', 'amt']);

const V6_FORBIDDEN: Record<string, string> = {
  unspecified: 'an unspecified address',
  linkLocal: 'a link-local address',
  multicast: 'a multicast address',
  discard: 'a reserved address',
  benchmarking: 'a reserved address',
  reserved: 'a reserved address',
  deprecatedOrchid: 'a reserved address',
  orchid2: 'a reserved address',
  droneRemoteIdProtocolEntityTags: 'a reserved address',
  segmentRouting: 'a reserved address',
};
const V6_PRIVATE: Record<string, string> = {
  loopback: 'this machine',
  uniqueLocal: 'a private network',
  deprecatedSiteLocal: 'a private network',
};
const V6_PUBLIC = new Set(['unicast', 'amt', 'as112v6']);

const RANK: Record<AddressClass, number> = { public: 0, private: 1, forbidden: 2 };

/** Whether `text` is an IP address in any spelling ipaddr.js (like `URL` and `getaddrinfo`) reads. */
export function isIpAddress(text: string): boolean {
  return ipaddr.isValid(stripBrackets(text));
}

/** The class of an IP address (`[…]` brackets and a `%zone` allowed); anything else is forbidden. */
export function classifyAddress(text: string): AddressVerdict {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.parse(canonicalIPv6(stripBrackets(text)));
  } catch {
    return { class: 'forbidden', what: 'not an IP address' };
  }
  if (address.kind() === 'ipv4') {
    const verdict = classifyV4(address as ipaddr.IPv4);
    const canonical = address.toString();
    return canonical !== text ? { ...verdict, ipv4: canonical } : verdict;
  }
  return classifyV6(address as ipaddr.IPv6);
}

function classifyV4(address: ipaddr.IPv4): AddressVerdict {
  if (PLATFORM_ENDPOINTS.includes(address.toNormalizedString())) return { class: 'forbidden', what: 'a cloud platform endpoint' };
  const range = address.range();
  if (V4_FORBIDDEN[range]) return { class: 'forbidden', what: V4_FORBIDDEN[range] };
  if (V4_PRIVATE[range]) return { class: 'private', what: V4_PRIVATE[range] };
  if (V4_PUBLIC.has(range)) return { class: 'public', what: 'a public address' };
  // A range a later ipaddr.js adds is special-purpose: refused until this list says otherwise.
  return { class: 'forbidden', what: 'a special-purpose address' };
}

function classifyV6(address: ipaddr.IPv6): AddressVerdict {
  if (PLATFORM_ENDPOINTS.includes(address.toNormalizedString())) return { class: 'forbidden', what: 'a cloud platform endpoint' };
  const parts = address.parts;
  const v4 = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  const range = address.range();
  switch (range) {
    case 'ipv4Mapped':
    case 'rfc6145':
      return embedded(v4(parts[6]!, parts[7]!));
    case 'rfc6052':
      if (parts[2] === 0) return embedded(v4(parts[6]!, parts[7]!));
    {
      // 64:ff9b:1::/48 is for a network's own translator (RFC 8215): private at least; its IPv4 sits in
      // the last 32 bits (a /96 prefix) or in bits 48–87 around the "u" octet (a /48 prefix, RFC 6052).
      const in96 = v4(parts[6]!, parts[7]!);
      const in48 = new ipaddr.IPv4([parts[3]! >> 8, parts[3]! & 0xff, parts[4]! & 0xff, parts[5]! >> 8]);
      const candidates = [in96, in48].filter((candidate) => candidate.octets.some((octet) => octet !== 0));
      return strictest({ class: 'private', what: 'a private network' }, ...candidates.map(embedded));
    }
    case '6to4':
      return embedded(v4(parts[1]!, parts[2]!));
    case 'teredo':
      // Server IPv4 in bits 32–63, the client's in the last 32 bits, inverted (RFC 4380).
      return strictest(embedded(v4(parts[2]!, parts[3]!)), embedded(v4(parts[6]! ^ 0xffff, parts[7]! ^ 0xffff)));
  }
  if (V6_FORBIDDEN[range]) return { class: 'forbidden', what: V6_FORBIDDEN[range] };
  if (V6_PRIVATE[range]) return { class: 'private', what: V6_PRIVATE[range] };
  if (range === 'unicast' && parts.slice(0, 6).every((part) => part === 0)) {
    // IPv4-compatible ::a.b.c.d (deprecated, RFC 4291 §2.5.5.1): the embedded IPv4 decides; a public
    // one is no route anywhere, so reserved.
    const inner = embedded(v4(parts[6]!, parts[7]!));
    return inner.class === 'public' ? { ...inner, class: 'forbidden', what: 'a reserved address' } : inner;
  }
  if (V6_PUBLIC.has(range)) return { class: 'public', what: 'a public address' };
  return { class: 'forbidden', what: 'a special-purpose address' };
}

function embedded(address: ipaddr.IPv4): AddressVerdict {
  return { ...classifyV4(address), ipv4: address.toString() };
}

function strictest(...verdicts: AddressVerdict[]): AddressVerdict {
  return verdicts.reduce((worst, verdict) => (RANK[verdict.class] > RANK[worst.class] ? verdict : worst));
}

/**
 * IPv6 as WHATWG URL writes it (the form subscriptions are checked in), zone dropped. ipaddr.js reads
 * a dotted `::a.b.c.d` as IPv4-mapped, whereas it is IPv4-compatible (what `inet_ntop` prints for
 * `::808:808`); URL reads it as the address it is.
 */
function canonicalIPv6(text: string): string {
  if (!text.includes(':')) return text;
  try {
    return new URL(`http://[${text.replace(/%.*$/, '')}]/`).hostname.slice(1, -1);
  } catch {
    return text;
  }
}

function stripBrackets(text: string): string {
  return text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
}
