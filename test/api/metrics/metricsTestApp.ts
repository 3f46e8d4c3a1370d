/**
 * `createApp` with metrics on a real port (0 = free), like test/api/http's TestApp, and a reader of the
 * Prometheus exposition text that `GET /metrics` answers.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Express } from 'express';
import { hashApiKey } from '../../../api/src/config/ApiKeys';
import type { EnsureService } from '../../../api/src/core/EnsureService';
import { createApp, createLogger } from '../../../api/src/http';
import { createMetrics, type ServiceMetrics } from '../../../api/src/metrics';
import { API_KEY } from '../http/httpTestApp';

export { API_KEY };

/** Serves an Express app on 127.0.0.1:0 until `stop()`. */
export class RunningApp {
  baseUrl = '';
  private server: Server | undefined;

  async listen(app: Express): Promise<this> {
    const server = app.listen(0, '127.0.0.1');
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  async request(method: string, path: string, options: { body?: unknown; key?: string | null } = {}): Promise<{ status: number; headers: Headers; text: string }> {
    const headers: Record<string, string> = {};
    if (options.key !== null) headers['X-API-Key'] = options.key ?? API_KEY;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  /** `GET /metrics` without an API key, as a scraper sends it. */
  async scrape(): Promise<Exposition> {
    const response = await this.request('GET', '/metrics', { key: null });
    if (response.status !== 200) throw new Error(`/metrics answered ${response.status}: ${response.text}`);
    return new Exposition(response.text);
  }
}

/** `createApp` for `service` with a fresh `createMetrics()` (or the given one), API key `API_KEY`. */
export async function startAppWithMetrics(service: EnsureService, metrics: ServiceMetrics = createMetrics()): Promise<{ app: RunningApp; metrics: ServiceMetrics }> {
  const silent = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const app = createApp({
    service,
    config: { apiKeys: [{ name: 'test', sha256: hashApiKey(API_KEY) }] },
    logger: createLogger({ level: 'silent', destination: silent }),
    metrics,
  });
  return { app: await new RunningApp().listen(app), metrics };
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a text exposition (format 0.0.4). */
export class Exposition {
  readonly samples: Sample[];

  constructor(readonly text: string) {
    this.samples = text
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map(parseSample);
  }

  /** The value of the one sample with this name whose labels include `labels`; undefined when none. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const found = this.find(name, labels);
    if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
    return found[0]?.value;
  }

  /** The samples of this name whose labels include `labels`. */
  find(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  }

  /** The `# HELP` text of a metric. */
  help(name: string): string | undefined {
    const prefix = `# HELP ${name} `;
    return this.text.split('\n').find((line) => line.startsWith(prefix))?.slice(prefix.length);
  }
}

function parseSample(line: string): Sample {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
  if (!match) throw new Error(`not a sample line: ${line}`);
  const labels: Record<string, string> = {};
  for (const label of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    labels[label[1]!] = label[2]!.replace(/\\(.)/g, (_all, char: string) => (char === 'n' ? '\n' : char));
  }
  const raw = match[3]!;
  const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
  return { name: match[1]!, labels, value };
}
