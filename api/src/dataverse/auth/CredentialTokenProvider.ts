import type { AccessToken, TokenCredential } from '@azure/identity';
import type { TokenProvider } from './TokenProvider';

/** Refresh this long before expiry (or at the credential's own refreshAfterTimestamp, if sooner). */
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60 * 1000;

/**
 * Bearer tokens from an `@azure/identity` credential for scope `<environment origin>/.default`.
 * The token is reused until shortly before it expires; concurrent callers share one request to
 * Entra ID. The token is never logged or put into an error.
 */
export class CredentialTokenProvider implements TokenProvider {
  private cached: AccessToken | undefined;
  private pending: Promise<AccessToken> | undefined;

  constructor(
    private readonly credential: TokenCredential,
    /** e.g. `https://org.crm.dynamics.com/.default` */
    readonly scope: string,
    private readonly now: () => number = Date.now,
  ) {}

  async getToken(): Promise<string> {
    if (this.cached && this.now() < this.refreshAt(this.cached)) return this.cached.token;
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    return (await this.pending).token;
  }

  private refreshAt(token: AccessToken): number {
    const beforeExpiry = token.expiresOnTimestamp - TOKEN_REFRESH_MARGIN_MS;
    return token.refreshAfterTimestamp === undefined ? beforeExpiry : Math.min(beforeExpiry, token.refreshAfterTimestamp);
  }

  private async fetchToken(): Promise<AccessToken> {
    const token = await this.credential.getToken(this.scope);
    if (!token || !token.token) throw new Error(`no access token was issued for scope ${this.scope}`);
    this.cached = token;
    return token;
  }
}
