/**
 * Several application users over real HTTP: a tiny server that throttles one bearer token (an unsigned
 * localUser JWT, told apart by its `oid`) and answers the other. A 429 from one identity is re-sent on
 * the other inside the same attempt, so the circuit breaker (which a single 429 opens) never sees it;
 * when both are throttled, the 429 goes up and the breaker opens as before.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { localUserObjectId, ThrottledError, WebApiClient } from '../../../api/src/dataverse';
import { parseBudgetHeader } from '../../../api/src/dataverse/identities/RateLimitHeaders';
import { startLocalDataverse } from '../../../api/src/local-dataverse';
import { createResilientHooks } from '../../../api/src/resilience';

const APP1 = localUserObjectId('app1');
const APP2 = localUserObjectId('app2');

let server: Server;
let url: string;
/** oid → Retry-After seconds to answer 429 with; absent: 200. */
const throttled = new Map<string, number>();
const seen: string[] = [];
let budgetHeaders: Record<string, string> = {};

function oidOf(request: IncomingMessage): string {
  const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
  const [header, payload, signature] = token.split('.');
  expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toEqual({ alg: 'none', typ: 'JWT' });
  expect(signature).toBe('');
  return (JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as { oid: string }).oid;
}

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const oid = oidOf(request);
    seen.push(oid === APP1 ? 'app1' : oid === APP2 ? 'app2' : oid);
    const retryAfter = throttled.get(oid);
    if (retryAfter !== undefined) {
      response.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': String(retryAfter) });
      response.end(JSON.stringify({ error: { code: '0x80072322', message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.' } }));
      return;
    }
    response.writeHead(200, { 'Content-Type': 'application/json', 'x-ms-dop-hint': '3', ...budgetHeaders });
    response.end(JSON.stringify({ value: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  throttled.clear();
  seen.length = 0;
  budgetHeaders = {};
});

function clientWithBreaker() {
  // One 429 reaching the policy opens this circuit; one attempt, so nothing hides behind a retry.
  const resilience = createResilientHooks('b', { maxAttempts: 1, breaker: { kind: 'consecutive', threshold: 5 } });
  const client = new WebApiClient({
    url,
    identities: [{ name: 'app1', auth: { kind: 'localUser', name: 'app1' } }, { name: 'app2', auth: { kind: 'localUser', name: 'app2' } }],
    hooks: resilience.hooks,
  });
  return { client, resilience };
}

test('a 429 for one identity is re-sent on the other in the same attempt: the breaker stays closed', async () => {
  throttled.set(APP1, 30);
  const { client, resilience } = clientWithBreaker();
  try {
    await expect(client.query('accounts')).resolves.toMatchObject({ records: [] });
    expect(seen).toEqual(['app1', 'app2']);
    expect(resilience.breaker.snapshot().state).toBe('closed');
    const states = client.identityStates();
    expect(states.map((state) => state.name)).toEqual(['app1', 'app2']);
    expect(states[0]!.restingForMs).toBeGreaterThan(25_000);
    expect(states[1]).toMatchObject({ restingForMs: 0, dopHint: 3, underWay: 0 });
    // While app1 rests, requests go as app2 straight away.
    await Promise.all([client.query('accounts'), client.query('accounts')]);
    expect(seen).toEqual(['app1', 'app2', 'app2', 'app2']);
    expect(resilience.parallelism.value).toBe(3); // only app2 has sent a hint yet
  } finally {
    await client.close();
  }
});

test('when every identity is throttled the 429 goes up with the shortest rest, and the breaker opens', async () => {
  throttled.set(APP1, 30);
  throttled.set(APP2, 4);
  const { client, resilience } = clientWithBreaker();
  try {
    const error = (await client.query('accounts').catch((e: unknown) => e)) as ThrottledError;
    expect(error).toBeInstanceOf(ThrottledError);
    expect(seen).toEqual(['app1', 'app2']);
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(error.retryAfterMs).toBeLessThanOrEqual(4_000);
    expect(resilience.breaker.snapshot().state).toBe('open');
  } finally {
    await client.close();
  }
});

test('a single identity keeps the old behaviour: the 429 goes up as answered', async () => {
  throttled.set(APP1, 7);
  const client = new WebApiClient({ url, auth: { kind: 'localUser', name: 'app1' } });
  try {
    await expect(client.query('accounts')).rejects.toMatchObject({ status: 429, retryAfterMs: 7_000 });
    expect(client.identityStates().map((state) => state.name)).toEqual(['1']);
  } finally {
    await client.close();
  }
});

test("the remaining-budget headers are read from the answers: a low burst paces the identity", async () => {
  budgetHeaders = { 'x-ms-ratelimit-burst-remaining-xrm-requests': '4', 'x-ms-ratelimit-time-remaining-xrm-requests': '1,199,998.50' };
  const client = new WebApiClient({ url, auth: { kind: 'localUser', name: 'app2' } });
  try {
    await client.query('accounts');
    expect(client.identityStates()[0]).toMatchObject({ burstRemaining: 4, timeRemainingMs: 1_199_998.5, paced: true, limit: 1 });
  } finally {
    await client.close();
  }
});

test('localUser tokens go only to an http:// loopback URL', () => {
  expect(() => new WebApiClient({ url: 'https://org.crm.dynamics.com', auth: { kind: 'localUser', name: 'app1' } })).toThrow(/only for the local Dataverse/);
  expect(() => new WebApiClient({ url: 'http://dataverse.example.com', auth: { kind: 'localUser', name: 'app1' } })).toThrow(/only for the local Dataverse/);
  expect(localUserObjectId('app1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(localUserObjectId('app1')).toBe(localUserObjectId('app1'));
  expect(localUserObjectId('app1')).not.toBe(localUserObjectId('app2'));
});

test('budget headers are parsed tolerantly: digits, thousands separators, decimals; anything else is ignored', () => {
  expect(parseBudgetHeader('5999')).toBe(5999);
  expect(parseBudgetHeader(' 1,199,998.50 ')).toBe(1_199_998.5);
  expect(parseBudgetHeader('1 200 000')).toBe(1_200_000);
  expect(parseBudgetHeader('0')).toBe(0);
  for (const garbage of [null, '', 'abc', '-1', '1,2,3', '12,34', '1e9', '5999; x', '١٢٣', '9'.repeat(50)]) expect(parseBudgetHeader(garbage)).toBeUndefined();
});

test('the local Dataverse sees each localUser identity as its own caller (createdby is its oid)', async () => {
  const dataverse = await startLocalDataverse({ port: 0, memory: true });
  const client = new WebApiClient({
    url: dataverse.url,
    identities: [{ auth: { kind: 'localUser', name: 'app1' } }, { auth: { kind: 'localUser', name: 'app2' } }],
  });
  try {
    const written = await Promise.all([1, 2, 3, 4].map((n) => client.create('accounts', { name: `identity ${n}` })));
    const creators = await Promise.all(written.map(async (result) => (await client.retrieve('accounts', result.id!))['_createdby_value']));
    expect(new Set(creators)).toEqual(new Set([APP1, APP2]));
    expect(APP1).not.toBe(APP2);
  } finally {
    await client.close();
    await dataverse.close();
  }
});

test("the instance's recommended parallelism is the sum of each identity's latest hint", () => {
  const resilience = createResilientHooks('b');
  const describe = { operation: 'query', method: 'GET', url: 'http://127.0.0.1/x' };
  resilience.hooks.onResponse!(describe, { status: 200, durationMs: 1, error: undefined, dopHint: 4, identity: 'app1' });
  resilience.hooks.onResponse!(describe, { status: 200, durationMs: 1, error: undefined, dopHint: 6, identity: 'app2' });
  resilience.hooks.onResponse!(describe, { status: 200, durationMs: 1, error: undefined, dopHint: 2, identity: 'app1' });
  expect(resilience.parallelism.value).toBe(8);
});

test('paced to the sliding window: 12 requests through one identity against 5 per 2 s, and not one 429', async () => {
  const dataverse = await startLocalDataverse({ port: 0, memory: true });
  const admin = (path: string, body?: unknown) =>
    fetch(`${dataverse.url}/_admin/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  expect((await admin('limits', { enabled: true, windowSeconds: 2, maxRequests: 5 })).status).toBe(200);
  const client = new WebApiClient({ url: dataverse.url, auth: { kind: 'localUser', name: 'app1' }, rateLimitWindowSeconds: 2 });
  try {
    await client.query('accounts'); // the first answer tells the budget; the rest go at once, concurrently
    const results = await Promise.all(Array.from({ length: 11 }, () => client.query('accounts')));
    expect(results).toHaveLength(11);
    const { value } = (await (await admin('requests')).json()) as { value: { path: string; status: number }[] };
    const statuses = value.filter((entry) => entry.path.includes('/accounts')).map((entry) => entry.status);
    expect(statuses).toEqual(Array.from({ length: 12 }, () => 200));
  } finally {
    await client.close();
    await dataverse.close();
  }
});
