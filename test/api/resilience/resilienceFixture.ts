/**
 * A local Dataverse over real HTTP with its fault injection and request log, and clients whose every
 * exchange goes through `createResilientHooks` with short test delays.
 */
import { startLocalDataverse, type LocalDataverse } from '../../../api/src/local-dataverse';
import { WebApiClient } from '../../../api/src/dataverse/WebApiClient';
import { createResilientHooks, type ResilientHooks, type ResilienceSettingsInput } from '../../../api/src/resilience';

export type FaultMode = 'none' | 'down' | 'unavailable' | 'throttle' | 'slow' | 'flaky';

export interface LoggedRequest {
  at: number;
  method: string;
  path: string;
  status: number;
}

/** Short delays so the suite stays fast; tests override what they exercise. */
export const FAST_SETTINGS: ResilienceSettingsInput = {
  maxAttempts: 3,
  baseDelayMs: 10,
  maxDelayMs: 40,
  maxRetryAfterMs: 5_000,
  attemptTimeoutMs: 2_000,
  halfOpenAfterMs: 300,
  breaker: { kind: 'consecutive', threshold: 3 },
};

export class ResilienceFixture {
  private dataverse: LocalDataverse | undefined;
  private readonly clients: WebApiClient[] = [];

  async start(): Promise<void> {
    this.dataverse = await startLocalDataverse({ port: 0, memory: true });
  }

  async stop(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
    await this.dataverse?.close();
  }

  get url(): string {
    if (!this.dataverse) throw new Error('fixture not started');
    return this.dataverse.url;
  }

  /** A client of its own with a fresh policy (one circuit per client). */
  client(settings: ResilienceSettingsInput = FAST_SETTINGS, instance = 'b'): { client: WebApiClient; resilience: ResilientHooks } {
    const resilience = createResilientHooks(instance, settings);
    const client = new WebApiClient({ url: this.url, hooks: resilience.hooks });
    this.clients.push(client);
    return { client, resilience };
  }

  /** A client without any policy, to set up data while faults are off. */
  plainClient(): WebApiClient {
    const client = new WebApiClient({ url: this.url });
    this.clients.push(client);
    return client;
  }

  async setFault(mode: FaultMode, extra: { retryAfterSeconds?: number; latencyMs?: number; failureRate?: number; dopHint?: number } = {}): Promise<void> {
    await this.admin('POST', '/_admin/faults', { mode, ...extra });
  }

  async resetStats(): Promise<void> {
    await this.admin('POST', '/_admin/stats/reset');
  }

  /** HTTP requests that reached the Web API since the last reset. */
  async requestCount(): Promise<number> {
    const stats = (await this.admin('GET', '/_admin/stats')) as { http: { total: number } };
    return stats.http.total;
  }

  /** The Web API requests logged since `sinceMs`, in arrival order. */
  async requestsSince(sinceMs: number): Promise<LoggedRequest[]> {
    const body = (await this.admin('GET', `/_admin/requests?since=${sinceMs}`)) as { value: LoggedRequest[] };
    return body.value.filter((r) => r.path.startsWith('/api/data/'));
  }

  private async admin(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(new URL(path, this.url), {
      method,
      ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
    return response.json();
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Settles a promise into its error (or fails the test if it resolved). */
export async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
