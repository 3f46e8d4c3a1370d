/**
 * The absolute base URL of every `Location` the API answers (`202` → `/v1/operations/{id}`, `201` →
 * `/v1/subscriptions/{id}`). A polling client follows that URL with its API key, so it must never be
 * built from what a request claims — its `Host` header is written by the client or anyone in between:
 * - `PUBLIC_URL` when set (behind a proxy or TLS terminator): always;
 * - without it the API listens on loopback only (`loadConfig` refuses a non-loopback `HOST` without
 *   `PUBLIC_URL`): the `Host` header is used only when it names a loopback host (`localhost`,
 *   `127.x.y.z`, `[::1]`) on the port the request arrived on — so a browser on `localhost:3000` keeps
 *   its origin — else the address and port the request actually reached.
 */
import type { Request } from 'express';
import ipaddr from 'ipaddr.js';
import { isLoopbackHost } from '../config/loopbackHost';

/** `https://api.example.com` (no trailing slash) to put `/v1/…` after. */
export function locationBaseUrl(request: Request, publicUrl: string | undefined): string {
  if (publicUrl !== undefined) return publicUrl.replace(/\/+$/, '');
  const protocol = request.protocol === 'https' ? 'https' : 'http';
  const localPort = request.socket.localPort;
  const claimed = loopbackHostHeader(request.get('host'), protocol, localPort);
  if (claimed !== undefined) return `${protocol}://${claimed}`;
  return `${protocol}://${boundHost(request.socket.localAddress)}${localPort !== undefined ? `:${localPort}` : ''}`;
}

/** The Host header, normalised, when it is only a loopback host and the port this request arrived on. */
function loopbackHostHeader(header: string | undefined, protocol: 'http' | 'https', localPort: number | undefined): string | undefined {
  if (header === undefined || localPort === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(`${protocol}://${header}`);
  } catch {
    return undefined;
  }
  // Anything beyond host[:port] (a path, user info, a query) means the header is not a plain host.
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash || header.includes('/') || header.includes('@')) return undefined;
  if (!isLoopbackHost(url.hostname)) return undefined;
  const port = url.port === '' ? (protocol === 'https' ? 443 : 80) : Number(url.port);
  return port === localPort ? url.host : undefined;
}

/** The local address as a URL host: IPv4-mapped as IPv4, IPv6 in brackets. */
function boundHost(address: string | undefined): string {
  if (address === undefined || !ipaddr.isValid(address)) return '127.0.0.1';
  const parsed = ipaddr.process(address);
  return parsed.kind() === 'ipv6' ? `[${parsed.toString()}]` : parsed.toString();
}
