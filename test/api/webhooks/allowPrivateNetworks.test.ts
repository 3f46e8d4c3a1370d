/**
 * `webhooks.allowPrivateNetworks` reaches the webhooks `npm start` runs (startService): with the
 * setting false a loopback callback is refused naming the field; with everything local (the default
 * true) it is accepted, and its Location is built from the bound address.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../api/src/config';
import { createLogger } from '../../../api/src/http';
import { startService, type RunningService } from '../../../api/src/main';
import { seedServiceDataFolder } from '../../support/pgliteTemplate';

jest.setTimeout(60_000);

const API_KEY = 'private-networks-key-0123456789';
let cwd: string;
let service: RunningService | undefined;

beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'dve-private-networks-'));
  writeFileSync(join(cwd, 'dataverse-ensure.config.json'), JSON.stringify({ port: 0, instances: { b: { local: { port: 0, memory: true }, tables: ['account'] } } }));
  seedServiceDataFolder(join(cwd, '.data'));
});
afterEach(async () => {
  await service?.close();
  service = undefined;
  rmSync(cwd, { recursive: true, force: true });
});

async function subscribe(callbackUrl: string): Promise<{ status: number; location: string | null; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(`${service!.url}/v1/instances/b/subscriptions`, {
    method: 'POST',
    headers: { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ callbackUrl }),
  });
  return { status: response.status, location: response.headers.get('location'), body: await response.json() };
}

it('WEBHOOKS_ALLOW_PRIVATE_NETWORKS=false: a loopback callback is refused by the running service', async () => {
  service = await startService(loadConfig({ cwd, env: { API_KEYS: API_KEY, WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'false' } }), { logger: createLogger({ level: 'silent' }) });
  for (const callbackUrl of ['http://127.0.0.1:9/hook', 'http://[::ffff:127.0.0.1]:9/hook', 'http://localhost:9/hook', 'http://2130706433:9/hook']) {
    const answer = await subscribe(callbackUrl);
    expect([callbackUrl, answer.status, answer.body.error]).toEqual([callbackUrl, 400, expect.objectContaining({ field: 'body.callbackUrl', message: expect.stringContaining('must not point to this machine or a private network') })]);
  }
});

it('every instance local, nothing set: loopback callbacks are accepted; the Location is the bound address', async () => {
  service = await startService(loadConfig({ cwd, env: { API_KEYS: API_KEY } }), { logger: createLogger({ level: 'silent' }) });
  const answer = await subscribe('http://127.0.0.1:9/hook');
  expect(answer.status).toBe(201);
  expect(answer.location).toBe(`${service.url}/v1/subscriptions/${answer.body.id}`);
});
