import { createHash } from 'node:crypto';
import type { TokenProvider } from './TokenProvider';

/**
 * A made-up application user for the local Dataverse (tests, the benchmark): an unsigned JWT
 * (`alg: none`, `header.payload.`) whose `oid` claim is a GUID derived from the name, so the local
 * Dataverse tells these callers apart (it identifies a caller by the token's `oid`) and each one meets
 * the per-user limits of its own. No real Dataverse accepts such a token; `createTokenProvider` sends
 * it only to an `http://` loopback URL.
 */
export class LocalUserTokenProvider implements TokenProvider {
  private readonly token: string;

  constructor(readonly name: string) {
    const header = encode({ alg: 'none', typ: 'JWT' });
    const payload = encode({ oid: localUserObjectId(name), name, iss: 'dataverse-ensure/localUser' });
    this.token = `${header}.${payload}.`;
  }

  async getToken(): Promise<string> {
    return this.token;
  }
}

/** The GUID a local user's token carries as `oid`: the same for the same name, on every machine. */
export function localUserObjectId(name: string): string {
  const h = createHash('sha256').update(`dataverse-ensure localUser ${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
