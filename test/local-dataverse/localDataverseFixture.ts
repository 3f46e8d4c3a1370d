/** Starts in-memory local Dataverse instances for a suite and speaks raw HTTP to them. */
import { startLocalDataverse, type LocalDataverse } from '../../api/src/local-dataverse';

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export class LocalDataverseFixture {
  instance!: LocalDataverse;

  async start(options: Parameters<typeof startLocalDataverse>[0] = { memory: true }): Promise<LocalDataverse> {
    this.instance = await startLocalDataverse(options);
    return this.instance;
  }

  async stop(): Promise<void> {
    await this.instance?.close();
  }

  get api(): string {
    return this.instance.webApiUrl;
  }

  /** `path` relative to /api/data/v9.2/, sent exactly as given (already encoded by the caller). */
  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
    const init: RequestInit = { method, headers: { Accept: 'application/json', 'OData-Version': '4.0', 'OData-MaxVersion': '4.0', ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
    }
    const response = await fetch(`${this.api}${path}`, init);
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
  }

  async create(entitySet: string, body: Record<string, unknown>): Promise<string> {
    const response = await this.request('POST', entitySet, body);
    if (response.status !== 204) throw new Error(`create failed: ${response.status} ${response.text}`);
    return /\(([0-9a-f-]{36})\)$/.exec(response.headers.get('OData-EntityId') ?? '')![1]!;
  }

  async admin(method: string, path: string, body?: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const response = await fetch(`${this.instance.url}/_admin/${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }
}

/** Encodes an OData string literal for a URL: quotes doubled, then percent-encoded (ref 2.7). */
export function keyLiteral(value: string): string {
  return encodeURIComponent(`'${value.replace(/'/g, "''")}'`);
}

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
