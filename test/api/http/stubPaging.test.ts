/**
 * `skipToken` of `GET /v1/instances/{instance}/stubs` and of the local preview's `/preview/stubs/api/stubs`
 * over HTTP, with the real core on an in-memory local Dataverse: a token is the service's own keyset
 * cursor (api/src/core/stubs/StubCursor.ts), bound to the instance and filters it was issued for.
 *
 * - paging (3 pages) returns every stub exactly once, oldest first, also when a stub is added between
 *   two pages, with the filters sent again on every page or only on the first;
 * - a raw Dataverse next link (as the service once passed through), an edited token, a made-up token
 *   with a correct checksum but an injected value, a token from other filters or another instance,
 *   and garbage are 400 naming `query.skipToken`, on both routes.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { hashApiKey } from '../../../api/src/config/ApiKeys';
import { createEnsureCore } from '../../../api/src/core/createEnsureCore';
import { createApp } from '../../../api/src/http';
import { AB_STUB_DEFAULTS, AB_TABLES } from '../../support/abInstances';
import { CoreFixture, context } from '../core/coreFixture';

jest.setTimeout(60_000);

const API_KEY = 'stub-paging-key-0123456789abcdef';
const f = new CoreFixture();
let server: Server;
let baseUrl: string;
const created: string[] = [];

beforeAll(async () => {
  await f.start();
  const app = createApp({
    service: f.core,
    config: { apiKeys: [{ name: 'test', sha256: hashApiKey(API_KEY) }] },
    logger: pino({ level: 'silent' }),
    preview: { instances: [{ name: 'b', source: 'a' }], bundle: async () => ({ code: '', etag: '"none"' }) },
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (let i = 0; i < 7; i++) created.push((await f.core.ensure('b', { table: 'contact', key: { contactid: randomUUID() }, name: `paging ${i}` }, context)).id);
  await f.core.ensure('b', { table: 'account', key: { accountid: randomUUID() }, name: 'an account' }, context);
  // stubs on a too (a two-way setup, where a is replicated from b), which b's pages must not show
  const twoWay = createEnsureCore({
    instances: [
      { name: 'a', url: f.a.url, client: f.clientA, source: 'b', tables: [...AB_TABLES], stubDefaults: { ...AB_STUB_DEFAULTS } },
      { name: 'b', url: f.b.url, client: f.clientB, source: 'a', tables: [...AB_TABLES], stubDefaults: { ...AB_STUB_DEFAULTS } },
    ],
  });
  await twoWay.ensure('a', { table: 'contact', key: { contactid: randomUUID() }, name: 'on a' }, context);
  await twoWay.ensure('a', { table: 'contact', key: { contactid: randomUUID() }, name: 'on a too' }, context);
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    server?.close(() => resolve());
    server?.closeAllConnections();
  });
  await f.stop();
});

interface Page {
  status: number;
  body: { value: Array<{ id: string; recordId: string; createdOn: string }>; nextSkipToken?: string; nextLink?: string; error?: { code: string; field?: string; message: string } };
}

async function get(path: string): Promise<Page> {
  const response = await fetch(`${baseUrl}${path}`, { headers: { 'X-API-Key': API_KEY } });
  return { status: response.status, body: (await response.json()) as Page['body'] };
}

const stubs = (query: string) => get(`/v1/instances/b/stubs?${query}`);
const token = (value: string) => `skipToken=${encodeURIComponent(value)}`;

/** The checksum StubCursor.ts puts after the payload: anyone can compute it, which is the point of the "made-up" case. */
function withChecksum(body: unknown): string {
  const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${payload}.${createHash('sha256').update(`dve-stub-cursor:${payload}`).digest('base64url').slice(0, 16)}`;
}

function payloadOf(skipToken: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(skipToken.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('paging', () => {
  it('3 pages return every stub exactly once, oldest first, also when a stub is added between two pages', async () => {
    const first = await stubs('table=contact&state=Pending&top=3');
    expect(first.status).toBe(200);
    expect(first.body.value).toHaveLength(3);
    const late = (await f.core.ensure('b', { table: 'contact', key: { contactid: randomUUID() }, name: 'late' }, context)).id;
    const seen = [...first.body.value];
    let next = first.body.nextSkipToken;
    let pages = 1;
    while (next !== undefined) {
      const page = await stubs(`table=contact&state=Pending&top=3&${token(next)}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.value);
      next = page.body.nextSkipToken;
      pages++;
    }
    expect(pages).toBe(3);
    const ids = seen.map((stub) => stub.recordId);
    expect(ids).toHaveLength(new Set(ids).size);
    // Every stub that existed when paging began, once; the late one once at most (it sorts before the
    // position already passed when its id is lower than that of a stub of the same second).
    expect(ids.filter((id) => id !== late).sort()).toEqual([...created].sort());
    const order = seen.map((stub) => [Date.parse(stub.createdOn), stub.id] as const);
    expect(order).toEqual([...order].sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0)));
  });

  it('later pages may leave the filters out: the token carries them', async () => {
    const all: string[] = [];
    let page = await stubs('table=contact&top=4');
    all.push(...page.body.value.map((stub) => stub.recordId));
    while (page.body.nextSkipToken !== undefined) {
      page = await stubs(`top=4&${token(page.body.nextSkipToken)}`);
      expect(page.status).toBe(200);
      all.push(...page.body.value.map((stub) => stub.recordId));
    }
    expect(all).toHaveLength(8);
    expect(new Set(all).size).toBe(8);
  });
});

describe('nextLink: the absolute URL of the next page', () => {
  it('is on the address the request reached (no PUBLIC_URL), holds the same filters, and with the same key answers the next page; the last page has none', async () => {
    let page = await stubs('table=contact&state=Pending&top=3');
    const seen = [...page.body.value];
    let links = 0;
    while (page.body.nextLink !== undefined) {
      const link = new URL(page.body.nextLink);
      expect(`${link.origin}${link.pathname}`).toBe(`${baseUrl}/v1/instances/b/stubs`);
      expect(Object.fromEntries(link.searchParams)).toEqual({ state: 'Pending', table: 'contact', top: '3', skipToken: page.body.nextSkipToken });
      expect(page.body.nextLink).not.toContain(API_KEY);
      expect((await fetch(page.body.nextLink)).status).toBe(401);
      page = await get(page.body.nextLink.slice(baseUrl.length));
      expect(page.status).toBe(200);
      seen.push(...page.body.value);
      links++;
    }
    expect(links).toBeGreaterThanOrEqual(2);
    expect(page.body).not.toHaveProperty('nextSkipToken');
    const ids = seen.map((stub) => stub.recordId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(created));
  });

  it('is on PUBLIC_URL when one is configured, whatever Host the request claims', async () => {
    const app = createApp({
      service: f.core,
      config: { apiKeys: [{ name: 'test', sha256: hashApiKey(API_KEY) }], publicUrl: 'https://ensure.example.com/base/' },
      logger: pino({ level: 'silent' }),
    });
    const other = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => other.once('listening', () => resolve()));
    try {
      const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      const response = await fetch(`${otherUrl}/v1/instances/b/stubs?top=2&olderThanSeconds=0`, { headers: { 'X-API-Key': API_KEY, Host: 'evil.example.com' } });
      const body = (await response.json()) as Page['body'] & { nextLink?: string };
      expect(body.nextLink).toBe(`https://ensure.example.com/base/v1/instances/b/stubs?olderThanSeconds=0&top=2&skipToken=${encodeURIComponent(body.nextSkipToken!)}`);
      const next = await fetch(`${otherUrl}${body.nextLink!.slice('https://ensure.example.com/base'.length)}`, { headers: { 'X-API-Key': API_KEY } });
      expect(next.status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => {
        other.close(() => resolve());
        other.closeAllConnections();
      });
    }
  });
});

describe('forged skip tokens are 400 naming query.skipToken', () => {
  let issued: string;
  beforeAll(async () => {
    const first = await stubs('state=Pending&table=contact&top=2');
    issued = first.body.nextSkipToken!;
    expect(issued).toEqual(expect.any(String));
    expect(payloadOf(issued)).toMatchObject({ i: 'b', s: 'Pending', t: 'contact' });
  });

  async function expectRefused(query: string): Promise<string> {
    const answer = await stubs(query);
    // TableNotAllowed for a table outside the instance's allow-list, InvalidRequest for the rest.
    expect([query, answer.status, answer.body.error?.code, answer.body.error?.field]).toEqual([query, 400, expect.stringMatching(/^(InvalidRequest|TableNotAllowed)$/), 'query.skipToken']);
    return answer.body.error!.message;
  }

  it('a raw Dataverse next link, plain or base64url as the service once issued it', async () => {
    const page = await f.clientB.query('ec_stubs', { select: ['ec_stubid'], filter: "ec_table eq 'account'", maxPageSize: 1 });
    const nextLink = page.nextLink ?? `${f.clientB.webApiUrl}ec_stubs?$select=ec_stubid`;
    await expectRefused(token(Buffer.from(nextLink).toString('base64url')));
    await expectRefused(token(nextLink));
  });

  it('an edited token: one character changed, or a new position under the old checksum', async () => {
    const flipped = `${issued.slice(0, 10)}${issued[10] === 'A' ? 'B' : 'A'}${issued.slice(11)}`;
    await expectRefused(`state=Pending&table=contact&${token(flipped)}`);
    const moved = Buffer.from(JSON.stringify({ ...payloadOf(issued), r: '00000000-0000-4000-8000-000000000000' })).toString('base64url');
    await expectRefused(`state=Pending&table=contact&${token(`${moved}.${issued.split('.')[1]!}`)}`);
  });

  it('a made-up token with a correct checksum but values that are not values', async () => {
    const body = payloadOf(issued);
    for (const forged of [
      { ...body, c: "2020-01-01T00:00:00Z) or (ec_table eq 'systemuser'" },
      { ...body, r: "x' or 1 eq 1" },
      { ...body, t: 'systemuser' },
      { ...body, s: 'Deleted' },
      { ...body, o: -1 },
      { ...body, extra: '$expand=owninguser' },
      { ...body, v: 2 },
    ]) {
      await expectRefused(token(withChecksum(forged)));
    }
  });

  it('a token used with other filters, or on another instance', async () => {
    expect(await expectRefused(`state=Hydrated&${token(issued)}`)).toContain('state=Pending, table=contact');
    await expectRefused(`table=account&${token(issued)}`);
    await expectRefused(`olderThanSeconds=0&${token(issued)}`);
    const unfiltered = (await stubs('top=1')).body.nextSkipToken!;
    await expectRefused(`state=Pending&${token(unfiltered)}`);
    const onA = await get('/v1/instances/a/stubs?top=1');
    expect(onA.body.nextSkipToken).toEqual(expect.any(String));
    await expectRefused(token(onA.body.nextSkipToken!));
  });

  it('garbage', async () => {
    for (const garbage of ['garbage', 'a.b', '.', '..', 'eyJ2IjoxfQ', `${'A'.repeat(2000)}.x`, 'e30.e30.e30']) await expectRefused(token(garbage));
  });
});

describe('the local preview pages with the same tokens', () => {
  const preview = async (query: string): Promise<Page> => {
    const response = await fetch(`${baseUrl}/preview/stubs/api/stubs?${query}`);
    return { status: response.status, body: (await response.json()) as Page['body'] };
  };

  it('pages through every stub of the instance once', async () => {
    const ids: string[] = [];
    let page = await preview('instance=b&top=3');
    ids.push(...page.body.value.map((stub) => stub.id));
    while (page.body.nextSkipToken !== undefined) {
      page = await preview(`instance=b&top=3&${token(page.body.nextSkipToken)}`);
      expect(page.status).toBe(200);
      ids.push(...page.body.value.map((stub) => stub.id));
    }
    expect(ids).toHaveLength(9); // 8 contacts (one added by the paging test) and one account
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("refuses a Dataverse next link, another instance's token and garbage", async () => {
    const nextLink = Buffer.from(`${f.clientB.webApiUrl}ec_stubs?$select=ec_key&$filter=ec_table eq 'systemuser'`).toString('base64url');
    const onA = (await get('/v1/instances/a/stubs?top=1')).body.nextSkipToken!;
    for (const skipToken of [nextLink, onA, 'garbage']) {
      const answer = await preview(`instance=b&${token(skipToken)}`);
      expect([answer.status, answer.body.error?.field]).toEqual([400, 'query.skipToken']);
    }
  });
});

// Last: these stubs would change the counts above.
describe('the key is an object of columns, in the list and in one stub', () => {
  const one = (table: string, id: string) => get(`/v1/instances/b/stubs/${table}/${id}`);

  it('a GUID key is the primary id column, an alternate key its columns', async () => {
    const byId = randomUUID();
    await f.core.ensure('b', { table: 'account', key: { accountid: byId.toUpperCase() } }, context);
    const number = `KEY-${randomUUID().slice(0, 8)}`;
    const byNumber = (await f.core.ensure('b', { table: 'account', key: { accountnumber: number } }, context)).id;

    const listed = new Map<string, unknown>();
    let page = await stubs('table=account&top=5000');
    for (const stub of page.body.value as Array<{ recordId: string; key?: unknown }>) listed.set(stub.recordId, stub.key);
    expect(page.body.nextSkipToken).toBeUndefined();
    expect(listed.get(byId)).toEqual({ accountid: byId });
    expect(listed.get(byNumber)).toEqual({ accountnumber: number });

    page = await one('account', byId);
    expect([page.status, (page.body as unknown as { key: unknown }).key]).toEqual([200, { accountid: byId }]);
    page = await one('account', byNumber);
    expect([page.status, (page.body as unknown as { key: unknown }).key]).toEqual([200, { accountnumber: number }]);
  });

  it('a row whose ec_key was edited into no key of its table answers without a key', async () => {
    const id = (await f.core.ensure('b', { table: 'contact', key: { contactid: randomUUID() } }, context)).id;
    const row = await one('contact', id);
    await f.clientB.upsert('ec_stubs', (row.body as unknown as { id: string }).id, { ec_key: '{"nosuchcolumn":"x"}' }, { condition: 'updateOnly' });
    const edited = await one('contact', id);
    expect(edited.status).toBe(200);
    expect(edited.body).not.toHaveProperty('key');
    expect(edited.body).toMatchObject({ recordId: id, table: 'contact', state: 'Pending' });
  });
});
