/**
 * A webhook receiver for tests: a node:http server that records every delivery (headers and raw body)
 * and answers what the test sets — 200, 503 (an outage that answers), 410 Gone — or is not listening
 * at all (an outage that refuses connections) between `stop()` and `start()` on the same port.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: Record<string, unknown>;
}

export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  /** Every request, answered or not, with the status it got. */
  readonly attempts: Array<{ path: string; status: number }> = [];
  status = 200;
  port = 0;
  private server: Server | undefined;

  async start(): Promise<this> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const path = request.url ?? '/';
        this.attempts.push({ path, status: this.status });
        if (this.status >= 200 && this.status < 300) {
          this.deliveries.push({ path, headers: request.headers, rawBody, body: JSON.parse(rawBody) as Record<string, unknown> });
        }
        response.writeHead(this.status, { 'Content-Type': 'text/plain' }).end(String(this.status));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening: connections are refused until `start()` again (on the same port). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** The deliveries that reached `path`. */
  at(path: string): Delivery[] {
    return this.deliveries.filter((delivery) => delivery.path === path);
  }
}

export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000, what = 'the condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
