/** One Web API operation, whether it came as an HTTP request or as a part of a `$batch`. */
export interface WebApiRequest {
  method: string;
  /** The URL path after `/api/data/v9.2/`, still percent-encoded, without the query. */
  path: string;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  body?: string;
  /** `http://<host>/api/data/v9.2/`, from the request's Host header (ref 4.7). */
  baseUrl: string;
  /** The calling user's id (createdby/modifiedby). */
  callerId: string;
}

export interface WebApiResponse {
  status: number;
  headers: Record<string, string>;
  /** A JSON value, or a string for text/plain answers. */
  body?: unknown;
}

export const JSON_CONTENT_TYPE = 'application/json; odata.metadata=minimal';

/** `Prefer` header preferences, e.g. return=representation, odata.maxpagesize=10. */
export function preferences(headers: Record<string, string | undefined>): Map<string, string> {
  const prefs = new Map<string, string>();
  for (const part of (headers.prefer ?? '').split(',')) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    if (eq < 0) prefs.set(trimmed.toLowerCase(), '');
    else prefs.set(trimmed.slice(0, eq).trim().toLowerCase(), trimmed.slice(eq + 1).trim().replace(/^"|"$/g, ''));
  }
  return prefs;
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): WebApiResponse {
  return { status, headers: { 'Content-Type': JSON_CONTENT_TYPE, ...headers }, body };
}
