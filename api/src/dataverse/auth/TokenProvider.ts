/**
 * Supplies the bearer token for one Dataverse environment. `undefined` means "send no
 * Authorization header" (the local Dataverse over http, which needs none).
 */
export interface TokenProvider {
  /** A valid access token, or undefined for no authentication. Called once per HTTP attempt. */
  getToken(): Promise<string | undefined>;
}

/** For environments that need no authentication (the local Dataverse). */
export class NoTokenProvider implements TokenProvider {
  async getToken(): Promise<undefined> {
    return undefined;
  }
}
