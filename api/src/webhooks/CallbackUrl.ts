/**
 * Which callback URLs a subscription may name, and the guard on every delivery's connection.
 *
 * Server-side request forgery: whoever holds an API key can make this service send POST requests to a
 * URL of their choice. The answers are never shown to them (only success or failure counts), but the
 * requests still reach whatever the service's network reaches. So:
 * - only `http:` / `https:`, no credentials in the URL, no fragment; at most 2,048 characters;
 * - every address is judged by one policy (AddressPolicy.ts): link-local (cloud metadata), platform
 *   endpoints, unspecified, multicast, broadcast and reserved addresses are always refused; loopback
 *   and private ranges only unless `allowPrivateNetworks`; an IPv4 embedded in an IPv6 address is
 *   judged as itself;
 * - it is applied when subscribing (a literal host, `localhost`) and again on the connection itself:
 *   `guardedConnector` refuses a literal address before connecting, resolves host names through
 *   `guardedLookup` (the check and the connection use the same answer: no DNS rebinding in between),
 *   and checks the socket's remote address once connected, before any request is written;
 * - redirects are not followed (a 3xx is a failed attempt), so a public URL cannot bounce a delivery
 *   inward.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { buildConnector } from 'undici';
import { classifyAddress, isIpAddress } from './AddressPolicy';

export const MAX_CALLBACK_URL_LENGTH = 2048;

export interface CallbackPolicy {
  allowPrivateNetworks: boolean;
}

const PRIVATE_PROBLEM = 'must not point to this machine or a private network';

/** Why `url` cannot be a callback URL, or undefined when it can. */
export function callbackUrlProblem(url: string, policy: CallbackPolicy): string | undefined {
  if (url.length > MAX_CALLBACK_URL_LENGTH) return `must be at most ${MAX_CALLBACK_URL_LENGTH} characters`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an http(s) URL';
  if (parsed.username || parsed.password) return 'must not carry credentials';
  if (parsed.hash) return 'must not have a fragment';
  // URL has already turned every IPv4 spelling into a.b.c.d and IPv6 into its compressed form.
  const host = parsed.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (isIpAddress(host)) return addressProblem(host, policy);
  if (!policy.allowPrivateNetworks && (host === 'localhost' || host.endsWith('.localhost'))) return PRIVATE_PROBLEM;
  return undefined;
}

/** Why the service must not connect to `address`, or undefined. */
export function addressProblem(address: string, policy: CallbackPolicy): string | undefined {
  const verdict = classifyAddress(address);
  if (verdict.class === 'public' || (verdict.class === 'private' && policy.allowPrivateNetworks)) return undefined;
  const embedded = verdict.ipv4 !== undefined ? ` (${verdict.ipv4})` : '';
  return verdict.class === 'private' ? `${PRIVATE_PROBLEM}${embedded}` : `must not point to ${verdict.what}${embedded}`;
}

/** The error a refused connection fails with (`code` ECALLBACKREFUSED); its message names the host, never a path or query. */
export function refusedConnection(host: string, problem: string): Error {
  return Object.assign(new Error(`callback host ${host} ${problem}`), { code: 'ECALLBACKREFUSED' });
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** `dns.lookup`'s shape, for a resolver other than the system's (tests). */
export type LookupFunction = (hostname: string, options: { all: true }, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const systemLookup: LookupFunction = (hostname, options, callback) => dnsLookup(hostname, options, callback);

/**
 * A `dns.lookup` for the delivery agent's connections: resolves as usual, then refuses the name if any
 * address it resolves to is refused, so the check and the connection use the same answer.
 */
export function guardedLookup(policy: CallbackPolicy, resolve: LookupFunction = systemLookup) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses;
      const refused = list.map((entry) => addressProblem(entry.address, policy)).find((problem) => problem !== undefined);
      if (refused !== undefined || list.length === 0) return callback(refusedConnection(hostname, refused ?? 'did not resolve'), []);
      if ((options as { all?: boolean }).all) return callback(null, list);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

export interface GuardedConnectorOptions {
  /** Milliseconds a connection (TCP and TLS) may take. */
  timeout?: number;
  /** Resolver of host names (default: the system's `dns.lookup`). */
  lookup?: LookupFunction;
}

/**
 * The `connect` of the delivery agent (undici): every connection it opens is judged by the policy.
 * - a literal IP host (which `net.connect` would reach without any lookup) is checked before connecting;
 * - a host name is resolved by `guardedLookup`, which refuses before connecting;
 * - once connected, the socket's remote address is checked again, before undici writes the request
 *   (a last line: nothing above should ever let a refused address through).
 */
export function guardedConnector(policy: CallbackPolicy, options: GuardedConnectorOptions = {}): buildConnector.connector {
  const connect = buildConnector({ lookup: guardedLookup(policy, options.lookup), ...(options.timeout !== undefined ? { timeout: options.timeout } : {}) });
  return (target, callback) => {
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (isIpAddress(host)) {
      const problem = addressProblem(host, policy);
      if (problem) return callback(refusedConnection(target.hostname, problem), null);
    }
    connect(target, (error, socket) => {
      if (error || !socket) return callback(error ?? new Error('no socket'), null);
      const remote = socket.remoteAddress;
      const problem = remote === undefined ? 'has no remote address' : addressProblem(remote, policy);
      if (problem) {
        socket.destroy();
        return callback(refusedConnection(target.hostname, problem), null);
      }
      return callback(null, socket);
    });
  };
}
