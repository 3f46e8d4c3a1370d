/**
 * Which callback URLs a subscription may name, and the guard on every delivery's connection.
 *
 * Server-side request forgery: whoever holds an API key can make this service send POST requests to a
 * URL of their choice. The answers are never shown to them (only success or failure counts), but the
 * requests still reach whatever the service's network reaches. So:
 * - only `http:` / `https:`, no credentials in the URL, no fragment; at most 2,048 characters;
 * - link-local and unspecified addresses are always refused (169.254.0.0/16 holds cloud metadata
 *   endpoints such as 169.254.169.254; fe80::/10; 0.0.0.0, ::), by literal and — at delivery — by the
 *   address the host name resolves to (checked in the connection's own DNS lookup, so a name cannot
 *   resolve to a public address for the check and a private one for the request);
 * - loopback and private ranges (127/8, 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7, ::1) are
 *   allowed only with `allowPrivateNetworks` (default true: the local setup and the demo deliver to
 *   127.0.0.1). A deployment whose key holders should not reach its internal network sets it false;
 * - redirects are not followed (a 3xx is a failed attempt), so a public URL cannot bounce a delivery
 *   inward.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';

export const MAX_CALLBACK_URL_LENGTH = 2048;

export interface CallbackPolicy {
  allowPrivateNetworks: boolean;
}

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
  const host = parsed.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (isIP(host)) return addressProblem(host, policy);
  if (!policy.allowPrivateNetworks && (host === 'localhost' || host.endsWith('.localhost'))) return 'must not point to this machine or a private network';
  return undefined;
}

/** Why the service must not connect to `address`, or undefined. */
export function addressProblem(address: string, policy: CallbackPolicy): string | undefined {
  const kind = classify(address);
  if (kind === 'forbidden') return 'must not point to a link-local or unspecified address';
  if (kind === 'private' && !policy.allowPrivateNetworks) return 'must not point to this machine or a private network';
  return undefined;
}

function classify(address: string): 'forbidden' | 'private' | 'public' {
  const family = isIP(address);
  if (family === 4) return classifyV4(address);
  if (family !== 6) return 'forbidden';
  const lower = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return classifyV4(mapped[1]!);
  if (lower === '::' || /^fe[89ab]/.test(lower)) return 'forbidden';
  if (lower === '::1' || /^f[cd]/.test(lower)) return 'private';
  return 'public';
}

function classifyV4(address: string): 'forbidden' | 'private' | 'public' {
  const [a, b] = address.split('.').map(Number) as [number, number, number, number];
  if (a === 0 || (a === 169 && b === 254)) return 'forbidden';
  if (a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)) return 'private';
  return 'public';
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `dns.lookup` for the delivery agent's connections: resolves as usual, then refuses an address the
 * policy forbids, so the check and the connection use the same answer.
 */
export function guardedLookup(policy: CallbackPolicy) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses as LookupAddress[];
      const refused = list.map((entry) => addressProblem(entry.address, policy)).find((problem) => problem !== undefined);
      if (refused !== undefined || list.length === 0) {
        const denied = Object.assign(new Error(`callback host ${hostname} ${refused ?? 'did not resolve'}`), { code: 'ECALLBACKREFUSED' });
        return callback(denied, []);
      }
      if ((options as { all?: boolean }).all) return callback(null, list);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  };
}
