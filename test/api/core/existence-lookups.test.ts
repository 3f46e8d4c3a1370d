/**
 * Existence lookups coalesced per instance (`ExistenceLookups`), against the local Dataverse over
 * HTTP: a lone lookup is the same GET as before; concurrent ones share one query per table; every
 * caller gets its own answer. With one round in flight allowed, a first lookup goes alone and those
 * started in the same tick wait for it, then go together.
 */
import { randomUUID } from 'node:crypto';
import { ExistenceLookups, MAX_KEYS_PER_QUERY } from '../../../api/src/core/ExistenceLookup';
import { referenceId, type ResolvedKey } from '../../../api/src/core/RecordKeys';
import type { Reference } from '../../../api/src/core/ReferenceResolution';
import { TransientError, WebApiClient, type EntityMetadata } from '../../../api/src/dataverse';
import { startLocalDataverse, type LocalDataverse } from '../../../api/src/local-dataverse';

let dataverse: LocalDataverse;
let client: WebApiClient;
let account: EntityMetadata;
let contact: EntityMetadata;

beforeAll(async () => {
  dataverse = await startLocalDataverse({ port: 0, memory: true });
  client = new WebApiClient({ url: dataverse.url });
  [account, contact] = await Promise.all([client.getEntityMetadata('account'), client.getEntityMetadata('contact')]);
});

afterAll(async () => {
  await client?.close();
  await dataverse?.close();
});

afterEach(() => admin('/_admin/faults', { mode: 'none' }));

async function admin(path: string, body?: unknown): Promise<void> {
  await fetch(`${dataverse.url}${path}`, { method: 'POST', ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }) });
}

async function requests(): Promise<{ total: number; byMethod: Record<string, number> }> {
  // Counts only: the stats also say which caller sent them (one caller here).
  const { total, byMethod } = ((await (await fetch(`${dataverse.url}/_admin/stats`)).json()) as { http: { total: number; byMethod: Record<string, number> } }).http;
  return { total, byMethod };
}

const byNumber = (accountnumber: string): ResolvedKey => ({ kind: 'alternate', keyName: 'accountnumber', values: { accountnumber } });
const reference = (meta: EntityMetadata, key: ResolvedKey): Reference => ({ meta, key, id: referenceId('x', meta.logicalName, key) });

describe('coalesced existence lookups', () => {
  it('a lone lookup is one GET by key, as before', async () => {
    const lookups = new ExistenceLookups(client, 4);
    const id = (await client.create('accounts', { name: 'lone', accountnumber: 'LK-LONE' })).id;
    await admin('/_admin/stats/reset');
    expect(await lookups.recordId(account, byNumber('LK-LONE'))).toBe(id);
    const log = (await (await fetch(`${dataverse.url}/_admin/requests?since=0`)).json()) as { value: { method: string; path: string }[] };
    expect(log.value.map((entry) => [entry.method, decodeURIComponent(entry.path)]).filter(([, path]) => path!.includes('LK-LONE'))).toEqual([['GET', expect.stringContaining("accounts(accountnumber='LK-LONE')")]]);
    expect((await requests()).total).toBe(1);
  });

  it('N concurrent lookups of one table are one query, each caller its own answer', async () => {
    const lookups = new ExistenceLookups(client, 1);
    const numbers = Array.from({ length: 40 }, (_, i) => `LK-${i}-${randomUUID().slice(0, 6)}`);
    const ids = new Map<string, string>();
    for (const number of numbers.filter((_, i) => i % 2 === 0)) ids.set(number, (await client.create('accounts', { name: number, accountnumber: number })).id!);
    const guidKnown = [...ids.values()][0]!;
    await admin('/_admin/faults', { mode: 'slow', latencyMs: 50 });
    await admin('/_admin/stats/reset');
    const first = lookups.recordId(account, { kind: 'id', id: randomUUID() });
    const one = numbers.map((number) => lookups.recordId(account, byNumber(number.toLowerCase()))); // keys compare case-insensitively
    const byGuid = lookups.recordId(account, { kind: 'id', id: guidKnown });
    const many = lookups.findRecordIds([reference(account, byNumber(numbers[0]!)), reference(account, byNumber(numbers[1]!))]);
    expect(await first).toBeUndefined();
    const answers = await Promise.all(one);
    numbers.forEach((number, i) => expect(answers[i]).toBe(ids.get(number)));
    expect(await byGuid).toBe(guidKnown);
    expect([...(await many).values()]).toEqual([ids.get(numbers[0]!)]);
    expect(await requests()).toEqual({ total: 2, byMethod: { GET: 2 } });
  });

  it('several tables in one round: one $batch of one query per table', async () => {
    const lookups = new ExistenceLookups(client, 1);
    const contactId = (await client.create('contacts', { lastname: 'looked up' })).id!;
    await admin('/_admin/stats/reset');
    const first = lookups.recordId(account, byNumber('LK-NONE'));
    const answers = Promise.all([lookups.recordId(contact, { kind: 'id', id: contactId }), lookups.recordId(account, byNumber('LK-NONE-2')), lookups.recordId(contact, { kind: 'id', id: randomUUID() })]);
    await first;
    expect(await answers).toEqual([contactId, undefined, undefined]);
    expect(await requests()).toEqual({ total: 2, byMethod: { GET: 1, POST: 1 } });
  });

  it(`more than ${MAX_KEYS_PER_QUERY} keys of one table are split into queries of at most ${MAX_KEYS_PER_QUERY}`, async () => {
    const lookups = new ExistenceLookups(client, 1);
    await admin('/_admin/stats/reset');
    const first = lookups.recordId(account, byNumber('LK-FIRST'));
    const answers = Promise.all(Array.from({ length: MAX_KEYS_PER_QUERY + 5 }, (_, i) => lookups.recordId(account, byNumber(`LK-SPLIT-${i}`))));
    await first;
    expect((await answers).every((id) => id === undefined)).toBe(true);
    const stats = (await (await fetch(`${dataverse.url}/_admin/stats`)).json()) as { http: { total: number }; batchOperations: { byMethod: Record<string, number> } };
    expect(stats.http.total).toBe(2);
    expect(stats.batchOperations.byMethod).toEqual({ GET: 2 });
  });

  it('a transient failure of the shared query reaches every caller', async () => {
    const lookups = new ExistenceLookups(client, 1);
    await admin('/_admin/faults', { mode: 'unavailable' });
    const first = lookups.recordId(account, byNumber('LK-T0')).catch((e: unknown) => e);
    const rest = [1, 2, 3].map((i) => lookups.recordId(account, byNumber(`LK-T${i}`)).catch((e: unknown) => e));
    expect(await first).toBeInstanceOf(TransientError);
    for (const outcome of await Promise.all(rest)) expect(outcome).toBeInstanceOf(TransientError);
  });

  it('without coalescing (maxInFlight undefined) every lookup is its own request', async () => {
    const lookups = new ExistenceLookups(client, undefined);
    await admin('/_admin/stats/reset');
    await Promise.all([1, 2, 3].map((i) => lookups.recordId(account, byNumber(`LK-U${i}`))));
    expect((await requests()).total).toBe(3);
  });
});
