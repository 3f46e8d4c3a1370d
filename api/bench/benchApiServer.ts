/**
 * The API as the product benchmark runs it: its own process (as in production), one target instance
 * `b` at BENCH_DATAVERSE_URL, the submit strategy from BENCH_SUBMIT_STRATEGY, logs off.
 */
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createEnsureCore, type SubmitStrategy } from '../src/core/createEnsureCore';
import { WebApiClient } from '../src/dataverse';
import { createApp } from '../src/http';

const url = process.env.BENCH_DATAVERSE_URL!;
const core = createEnsureCore({
  submitStrategy: (process.env.BENCH_SUBMIT_STRATEGY as SubmitStrategy | undefined) ?? 'single-round-trip',
  instances: [{ name: 'b', url, client: new WebApiClient({ url }), tables: ['account', 'contact'], stubDefaults: { contact: { nameColumn: 'lastname' } } }],
});
const app = createApp({
  service: core,
  config: { apiKeys: [{ name: 'bench', sha256: createHash('sha256').update(process.env.BENCH_API_KEY!).digest('hex') }] },
  logger: pino({ level: 'silent' }),
});
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`API listening at http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => {
  server.close();
  void core.close().then(() => process.exit(0));
});
