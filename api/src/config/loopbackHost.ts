/**
 * Whether a host name is loopback. Configuration needs it (a non-loopback `HOST` requires `PUBLIC_URL`)
 * and so does the HTTP layer (which `Host` headers may name a `Location`'s base): it lives here, where
 * both may import it.
 */
import ipaddr from 'ipaddr.js';

/** `localhost`, an address in 127.0.0.0/8, `::1` (brackets allowed), or an IPv4-mapped loopback. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (name === 'localhost') return true;
  if (!ipaddr.isValid(name)) return false;
  return ipaddr.process(name).range() === 'loopback';
}
