/**
 * The local Dataverse accepts any bearer token, or none. It still tells callers apart, so that
 * createdby/modifiedby say who wrote a record (the product uses modifiedby to see whether replication
 * or itself last touched a stub): a JWT's `oid` claim when present, otherwise a GUID derived from the
 * token, and a fixed SYSTEM user without a token.
 */
import { createHash } from 'node:crypto';

export const ANONYMOUS_CALLER_ID = '00000000-0000-0000-0000-00000000a0a0';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function callerIdOf(authorization: string | undefined): string {
  const token = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
  if (!token) return ANONYMOUS_CALLER_ID;
  const oid = jwtObjectId(token);
  if (oid) return oid;
  const h = createHash('sha1').update(token).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function jwtObjectId(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { oid?: unknown };
    return typeof claims.oid === 'string' && GUID.test(claims.oid) ? claims.oid.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}
