/**
 * The API as the product benchmark runs it: its own process (as in production), one target instance
 * `b` at BENCH_DATAVERSE_URL, the submit strategy from BENCH_SUBMIT_STRATEGY, logs off.
 *
 * BENCH_HTTP=bare serves the same core behind a bare `node:http` server instead — no Express, API key,
 * validation, helmet or request logs, only `POST /v1/instances/b/submit` — as a reference: the most
 * any HTTP layer over this core could give on this machine, next to the product's figures.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createEnsureCore, type SubmitStrategy } from '../src/core/createEnsureCore';
import type { SubmitInput } from '../src/core/EnsureService';
import { WebApiClient } from '../src/dataverse';
import { createApp } from '../src/http';

const url = process.env.BENCH_DATAVERSE_URL!;
const client = new WebApiClient({ url });
const core = createEnsureCore({
  submitStrategy: (process.env.BENCH_SUBMIT_STRATEGY as SubmitStrategy | undefined) ?? 'single-round-trip',
  // b is written to, so it names a source (the service refuses writes to an instance without one). The
  // bench references records by GUID, so the source is never asked: a is the same local Dataverse.
  instances: [
    { name: 'a', url, client, tables: ['account', 'contact'], stubDefaults: {} },
    { name: 'b', url, client, source: 'a', tables: ['account', 'contact'], stubDefaults: { contact: { nameColumn: 'lastname' } } },
  ],
});

function bareServer(): Server {
  return createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (request.method !== 'POST' || request.url !== '/v1/instances/b/submit') return answer(404, { error: 'only POST /v1/instances/b/submit' });
      core.submit('b', JSON.parse(Buffer.concat(chunks).toString('utf8')) as SubmitInput, { origin: 'apikey:bench' }).then(
        (result) => answer(200, result),
        (error: unknown) => answer(500, { error: String(error) }),
      );
    });
  });
}

const server =
  process.env.BENCH_HTTP === 'bare'
    ? bareServer()
    : createServer(
        createApp({
          service: core,
          config: { apiKeys: [{ name: 'bench', sha256: createHash('sha256').update(process.env.BENCH_API_KEY!).digest('hex') }] },
          logger: pino({ level: 'silent' }),
        }),
      );
server.listen(0, '127.0.0.1', () => {
  console.log(`API listening at http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => {
  server.close();
  void client.close().then(() => process.exit(0));
});
