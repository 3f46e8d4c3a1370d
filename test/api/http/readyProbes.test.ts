/**
 * `/ready` is open: it answers from cached probes (core/ProbeCache.ts), so however often anyone calls
 * it, each instance gets at most one probe request per window (5 s). The core runs on a fake clock;
 * the local Dataverse's request log counts what reached each instance.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createEnsureCore, type EnsureCore } from '../../../api/src/core/createEnsureCore';
import { WebApiClient } from '../../../api/src/dataverse';
import { createApp } from '../../../api/src/http';
import { startLocalDataverse, type LocalDataverse } from '../../../api/src/local-dataverse';

jest.setTimeout(60_000);

let a: LocalDataverse;
let b: LocalDataverse;
let core: EnsureCore;
let server: Server;
let baseUrl: string;
let clock = 1_800_000_000_000;
let clients: WebApiClient[] = [];

beforeAll(async () => {
  [a, b] = await Promise.all([startLocalDataverse({ memory: true }), startLocalDataverse({ memory: true })]);
  clients = [new WebApiClient({ url: a.url }), new WebApiClient({ url: b.url })];
  core = createEnsureCore({
    now: () => clock,
    instances: [
      { name: 'a', url: a.url, client: clients[0]!, tables: ['account'], stubDefaults: {} },
      { name: 'b', url: b.url, client: clients[1]!, source: 'a', tables: ['account'], stubDefaults: {} },
    ],
  });
  server = createApp({ service: core, config: { apiKeys: [] }, logger: pino({ level: 'silent' }) }).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    server?.close(() => resolve());
    server?.closeAllConnections();
  });
  await Promise.all(clients.map((client) => client.close()));
  await Promise.all([a?.close(), b?.close()]);
});

/** Web API requests that reached the instance since `since` (the admin endpoints are not logged). */
async function webApiRequests(instance: LocalDataverse, since: number): Promise<number> {
  const response = await fetch(`${instance.url}/_admin/requests?since=${since}`);
  const { value } = (await response.json()) as { value: Array<{ path: string }> };
  return value.filter((entry) => entry.path.startsWith('/api/')).length;
}

async function ready(): Promise<number> {
  const response = await fetch(`${baseUrl}/ready`);
  const body = (await response.json()) as { status: string; instances: Array<{ name: string; reachable: boolean }> };
  expect(body).toEqual({ status: 'ready', instances: [{ name: 'a', reachable: true }, { name: 'b', reachable: true }] });
  return response.status;
}

it('50 concurrent and 50 sequential /ready calls within the window: at most one Dataverse request per instance', async () => {
  const since = Date.now();
  const concurrent = await Promise.all(Array.from({ length: 50 }, () => ready()));
  const sequential: number[] = [];
  for (let i = 0; i < 50; i++) {
    clock += 90; // 50 × 90 ms = 4.5 s: still within the 5 s window
    sequential.push(await ready());
  }
  expect([...concurrent, ...sequential].every((status) => status === 200)).toBe(true);
  expect(await webApiRequests(a, since)).toBe(1);
  expect(await webApiRequests(b, since)).toBe(1);

  // Past the window, the next call probes again: once per instance, however many ask at once.
  clock += 5_000;
  await Promise.all(Array.from({ length: 20 }, () => ready()));
  expect(await webApiRequests(a, since)).toBe(2);
  expect(await webApiRequests(b, since)).toBe(2);
});

it('a probe result shows a change after the window, not before', async () => {
  clock += 10_000;
  await ready();
  await fetch(`${b.url}/_admin/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"mode":"unavailable"}' });
  try {
    expect((await fetch(`${baseUrl}/ready`)).status).toBe(200);
    clock += 5_000;
    const after = await fetch(`${baseUrl}/ready`);
    expect(after.status).toBe(503);
    expect(await after.json()).toMatchObject({ status: 'not-ready', instances: [{ name: 'a', reachable: true }, { name: 'b', reachable: false }] });
  } finally {
    await fetch(`${b.url}/_admin/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"mode":"none"}' });
  }
});
