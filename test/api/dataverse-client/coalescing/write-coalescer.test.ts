/**
 * The write coalescer against the real local Dataverse over HTTP: a lone write is its own request;
 * concurrent writes share one `$batch` and every caller still gets its own answer and its own error.
 * Merging is made deterministic by a "blocker": with one request in flight allowed, a first write goes
 * out alone and everything started in the same tick waits for it, then goes as one group.
 */
import { randomUUID } from 'node:crypto';
import { startLocalDataverse, type LocalDataverse } from '../../../../api/src/local-dataverse';
import { CoalescingDataverseClient, type CoalescingOptions } from '../../../../api/src/dataverse/coalescing/CoalescingDataverseClient';
import type { BatchItem, BatchResult } from '../../../../api/src/dataverse/DataverseClient';
import { BusinessRuleError, DuplicateRecordError, InvalidDataverseInputError, ThrottledError, TransientError } from '../../../../api/src/dataverse/DataverseErrors';
import { WebApiClient } from '../../../../api/src/dataverse/WebApiClient';

let dataverse: LocalDataverse;
let inner: WebApiClient;

beforeAll(async () => {
  dataverse = await startLocalDataverse({ port: 0, memory: true });
  inner = new WebApiClient({ url: dataverse.url });
});

afterAll(async () => {
  await inner?.close();
  await dataverse?.close();
});

afterEach(async () => {
  await admin('POST', '/_admin/faults', { mode: 'none' });
});

async function admin(method: string, path: string, body?: unknown, at: LocalDataverse = dataverse): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(`${at.url}${path}`, { method, ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }) });
  const text = await response.text();
  return text ? JSON.parse(text) : undefined;
}

async function resetStats(at: LocalDataverse = dataverse): Promise<void> {
  await admin('POST', '/_admin/stats/reset', undefined, at);
}

async function stats(at: LocalDataverse = dataverse): Promise<{ http: { total: number; byMethod: Record<string, number> }; batchOperations: { total: number } }> {
  return admin('GET', '/_admin/stats', undefined, at);
}

const number = (prefix: string) => `${prefix}${randomUUID().slice(0, 8)}`;
const coalescing = (options: CoalescingOptions = {}) => new CoalescingDataverseClient(inner, options);

/** A write that holds the only slot while the members are queued behind it. */
const blocker = (client: CoalescingDataverseClient) => client.create('accounts', { name: 'blocker' });

describe('a lone caller', () => {
  it('sends a lone create as a plain POST and a lone executeBatch unchanged', async () => {
    const client = coalescing();
    await resetStats();
    const created = await client.create('accounts', { name: 'Alone', accountnumber: number('L-') });
    expect(created.outcome).toBe('unknown');
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    const batch = await client.executeBatch([{ changeSet: [{ method: 'POST', target: { entitySet: 'accounts' }, body: { name: 'In a set' } }] }]);
    expect(batch.ok).toBe(true);
    const seen = await stats();
    expect(seen.http.byMethod).toEqual({ POST: 2 });
    expect(seen.batchOperations.total).toBe(1); // the lone create was not wrapped in a $batch
  });
});

describe('concurrent writes', () => {
  it('32 concurrent creates and upserts at 50 ms latency: far fewer requests, every answer right', async () => {
    const client = coalescing();
    await admin('POST', '/_admin/faults', { mode: 'slow', latencyMs: 50 });
    const existing = number('U-');
    await inner.create('accounts', { name: 'Before', accountnumber: existing });
    await resetStats();
    const names = Array.from({ length: 32 }, (_, i) => `Concurrent ${i}`);
    const creates = names.slice(0, 30).map((name) => client.create('accounts', { name, accountnumber: number('N-') }));
    const updated = client.upsert('accounts', { accountnumber: existing }, { name: 'Updated' }, { returnRepresentation: true, select: ['name', 'accountid'] });
    const fresh = number('F-');
    const created = client.upsert('accounts', { accountnumber: fresh }, { name: 'Fresh' }, { returnRepresentation: true, select: ['name', 'accountid'] });
    const results = await Promise.all(creates);
    const seen = await stats();
    expect(seen.http.total).toBeLessThanOrEqual(12);
    expect(new Set(results.map((r) => r.id)).size).toBe(30);
    for (const [i, result] of results.entries()) {
      expect(result.outcome).toBe('unknown');
      const row = await inner.retrieve('accounts', result.id!, { select: ['name'] });
      expect(row.name).toBe(names[i]);
    }
    const [u, c] = await Promise.all([updated, created]);
    expect(u.outcome).toBe('updated');
    expect(u.record?.name).toBe('Updated');
    expect(c.outcome).toBe('created');
    expect(c.id).toBe(c.record?.accountid);
    expect((await inner.retrieve('accounts', { accountnumber: fresh }, { select: ['accountid'] })).accountid).toBe(c.id);
  });

  it('merges the waiting members into one $batch, and counts it', async () => {
    const merged: number[] = [];
    const client = coalescing({ maxBatchesInFlight: 1, onMergedBatch: (members) => merged.push(members) });
    await resetStats();
    const first = blocker(client);
    const rest = Array.from({ length: 5 }, (_, i) => client.create('accounts', { name: `m${i}` }));
    await Promise.all([first, ...rest]);
    expect((await stats()).http.total).toBe(2);
    expect(merged).toEqual([5]);
  });

  it('what does not fit in maxOperations or maxBytes goes in the next $batch', async () => {
    const byOperations: number[] = [];
    const client = coalescing({ maxBatchesInFlight: 1, maxOperations: 3, onMergedBatch: (members) => byOperations.push(members) });
    await resetStats();
    await Promise.all([blocker(client), ...Array.from({ length: 6 }, (_, i) => client.create('accounts', { name: `op ${i}` }))]);
    expect(byOperations).toEqual([3, 3]);
    expect((await stats()).http.total).toBe(3);

    const byBytes: number[] = [];
    const small = coalescing({ maxBatchesInFlight: 1, maxBytes: 2048, onMergedBatch: (members) => byBytes.push(members) });
    const body = (i: number) => ({ name: `bytes ${i}`, description: 'x'.repeat(900) }); // ~950 bytes: two fit in 2048
    const created = await Promise.all([blocker(small), ...Array.from({ length: 4 }, (_, i) => small.create('accounts', body(i)))]);
    expect(byBytes).toEqual([2, 2]);
    expect(new Set(created.map((r) => r.id)).size).toBe(5);
  });
});

/** A member like the single-round-trip submit's: a stub (create-only by GUID) with a row, then the record. */
function submitLike(stubId: string, recordBody: Record<string, unknown>): BatchItem[] {
  return [
    {
      changeSet: [
        { method: 'PATCH', target: { entitySet: 'accounts', key: stubId }, body: { name: 'stub' }, condition: 'createOnly', contentId: 'stub0' },
        { method: 'POST', target: { entitySet: 'contacts' }, body: { lastname: 'row' }, contentId: 'row0' },
      ],
    },
    { method: 'POST', target: { entitySet: 'contacts' }, body: recordBody },
  ];
}

describe('each member its own answer and error', () => {
  it("a member's failing change set (412 on a create-only stub) and a bad column fail only that member", async () => {
    const client = coalescing({ maxBatchesInFlight: 1 });
    const existing = (await inner.create('accounts', { name: 'exists' })).id!;
    await resetStats();
    const first = blocker(client);
    const ids = [randomUUID(), existing, randomUUID(), randomUUID()];
    const members = ids.map((id, i) => client.executeBatch(submitLike(id, i === 2 ? { lastname: 'bad', nosuchcolumn: 1 } : { lastname: `record ${i}` }), { continueOnError: true }));
    const [a, b, c, d] = await Promise.all(members);
    await first;
    expect((await stats()).http.total).toBe(2);
    const alone = await inner.executeBatch(submitLike(existing, { lastname: 'alone' }), { continueOnError: true });

    for (const ok of [a!, d!]) {
      expect(ok.ok).toBe(true);
      expect(ok.status).toBe(200);
      expect(ok.operations.map((o) => [o.index, o.contentId, o.changeSetIndex, o.outcome])).toEqual([
        [0, 'stub0', 0, 'succeeded'],
        [1, 'row0', 0, 'succeeded'],
        [2, undefined, undefined, 'succeeded'],
      ]);
      expect(ok.errors).toEqual([]);
    }
    // The duplicate stub: exactly what the member got alone (its change set failed, the record ran).
    const shape = (r: BatchResult) => ({ status: r.status, ok: r.ok, operations: r.operations.map((o) => [o.index, o.contentId, o.changeSetIndex, o.outcome, o.error?.constructor.name, o.path]), errors: r.errors.map((e) => e.message) });
    expect(shape(b!)).toEqual(shape(alone));
    expect(b!.operations[0]!.error).toBeInstanceOf(DuplicateRecordError);
    expect(b!.errors).toHaveLength(1);
    // The bad column: only its record failed.
    expect(c!.ok).toBe(false);
    expect(c!.operations.map((o) => o.outcome)).toEqual(['succeeded', 'succeeded', 'failed']);
    expect(c!.errors).toHaveLength(1);
    expect(c!.errors[0]).toBe(c!.operations[2]!.error);
    expect(c!.errors[0]!.batchPart).toEqual({ index: 2 });
  });

  it("a single change set without continue-on-error (ensure's) merges, and fails with its own status as alone", async () => {
    const client = coalescing({ maxBatchesInFlight: 1 });
    const existing = (await inner.create('accounts', { name: 'exists' })).id!;
    const stub = (id: string): BatchItem[] => [
      {
        changeSet: [
          { method: 'PATCH', target: { entitySet: 'accounts', key: id }, body: { name: 'stub' }, condition: 'createOnly', contentId: 'stub0' },
          { method: 'POST', target: { entitySet: 'contacts' }, body: { lastname: 'row' }, contentId: 'row0' },
        ],
      },
    ];
    await resetStats();
    const first = blocker(client);
    const [failing, fine] = await Promise.all([client.executeBatch(stub(existing)), client.executeBatch(stub(randomUUID()))]);
    await first;
    expect((await stats()).http.total).toBe(2);
    const alone = await inner.executeBatch(stub(existing));
    const shape = (r: BatchResult) => ({ status: r.status, ok: r.ok, operations: r.operations.map((o) => [o.index, o.contentId, o.changeSetIndex, o.outcome, o.error?.constructor.name]), errors: r.errors.map((e) => e.message) });
    expect(alone.status).toBe(412);
    expect(shape(failing!)).toEqual(shape(alone));
    expect(fine!).toMatchObject({ status: 200, ok: true, errors: [] });
  });

  it('a plain write that fails gets the error it would have got alone', async () => {
    const client = coalescing({ maxBatchesInFlight: 1 });
    const existing = (await inner.create('accounts', { name: 'exists' })).id!;
    const first = blocker(client);
    const duplicate = client.upsert('accounts', existing, { name: 'again' }, { condition: 'createOnly' }).catch((e: unknown) => e);
    const fine = client.upsert('accounts', randomUUID(), { name: 'new' }, { condition: 'createOnly' });
    const alone = await inner.upsert('accounts', existing, { name: 'again' }, { condition: 'createOnly' }).catch((e: unknown) => e);
    await first;
    const error = await duplicate;
    expect(error).toBeInstanceOf(DuplicateRecordError);
    expect((error as Error).message).toBe((alone as Error).message);
    await expect(fine).resolves.toMatchObject({ outcome: 'unknown' });
  });

  it('rewrites Content-IDs and $ references so each member links its own records', async () => {
    const client = coalescing({ maxBatchesInFlight: 1 });
    await resetStats();
    const first = blocker(client);
    const names = ['one', 'two', 'three'].map((n) => `${n} ${randomUUID().slice(0, 6)}`);
    const members = names.map((name) =>
      client.executeBatch([
        {
          changeSet: [
            { method: 'POST', target: { entitySet: 'accounts' }, body: { name } },
            { method: 'POST', target: { entitySet: 'contacts' }, body: { lastname: name, 'parentcustomerid_account@odata.bind': '$1' } },
            { method: 'PATCH', target: { reference: '1' }, body: { description: `patched ${name}` } },
          ],
        },
      ]),
    );
    const results = await Promise.all(members);
    await first;
    expect((await stats()).http.total).toBe(2);
    for (const [i, result] of results.entries()) {
      expect(result.ok).toBe(true);
      expect(result.operations.map((o) => o.contentId)).toEqual(['1', '2', '3']);
      expect(result.operations[2]!.path).toBe('$1');
      const accountId = result.operations[0]!.id!;
      const account = await inner.retrieve('accounts', accountId, { select: ['name', 'description'] });
      expect(account).toMatchObject({ name: names[i], description: `patched ${names[i]}` });
      const contact = await inner.retrieve('contacts', result.operations[1]!.id!, { select: ['lastname', '_parentcustomerid_value'] });
      expect(contact).toMatchObject({ lastname: names[i], _parentcustomerid_value: accountId });
    }
  });

  it('a member that poisons the whole batch fails alone; the others are sent again on their own and succeed', async () => {
    const client = coalescing({ maxBatchesInFlight: 1 });
    await resetStats();
    const first = blocker(client);
    const good = [client.create('accounts', { name: 'good 1' }), client.executeBatch([{ changeSet: [{ method: 'POST', target: { entitySet: 'accounts' }, body: { name: 'good 2' } }] }])];
    // A reference to no earlier request: the batch writer refuses the whole $batch.
    const poison = client.executeBatch([{ changeSet: [{ method: 'PATCH', target: { reference: 'nosuch' }, body: { name: 'x' } }] }]).catch((e: unknown) => e);
    const [one, two] = await Promise.all(good);
    await first;
    expect(await poison).toBeInstanceOf(InvalidDataverseInputError);
    expect(one).toMatchObject({ outcome: 'unknown' });
    expect((two as BatchResult).ok).toBe(true);
  });

  it('a merged batch the server refuses as too large (413) is sent again member by member', async () => {
    const small = await startLocalDataverse({ port: 0, memory: true, maxBodyBytes: 6000 });
    const smallInner = new WebApiClient({ url: small.url });
    try {
      const client = new CoalescingDataverseClient(smallInner, { maxBatchesInFlight: 1 });
      const first = client.create('accounts', { name: 'blocker' });
      const writes = Array.from({ length: 4 }, (_, i) => client.create('accounts', { name: `big ${i}`, description: 'x'.repeat(1800) }));
      const results = await Promise.all(writes);
      await first;
      expect(results.every((r) => r.id !== undefined)).toBe(true);
      const seen = await stats(small);
      expect(seen.http.total).toBe(1 + 1 + 4); // blocker, the refused merge, then each alone
    } finally {
      await smallInner.close();
      await small.close();
    }
  });

  it('a batch with several items and no continue-on-error is never merged', async () => {
    const client = coalescing({ maxBatchesInFlight: 1 });
    const existing = (await inner.create('accounts', { name: 'exists' })).id!;
    await resetStats();
    const first = blocker(client);
    const stopping = client.executeBatch([
      { method: 'PATCH', target: { entitySet: 'accounts', key: existing }, body: { name: 'dup' }, condition: 'createOnly' },
      { method: 'POST', target: { entitySet: 'accounts' }, body: { name: 'must not run' } },
    ]);
    const others = [client.create('accounts', { name: 'other 1' }), client.create('accounts', { name: 'other 2' })];
    await Promise.all([first, ...others]);
    const result = await stopping;
    expect((await stats()).http.total).toBe(3); // the blocker, the stopping batch alone, the two others merged
    expect(result.status).toBe(412);
    expect(result.ok).toBe(false);
    expect(result.operations[1]!.outcome).toBe('no-response');
    expect(await inner.query('accounts', { filter: "name eq 'must not run'", select: ['name'] })).toMatchObject({ records: [] });
  });

  it.each([
    ['throttle', { mode: 'throttle', retryAfterSeconds: 1 }, ThrottledError],
    ['unavailable', { mode: 'unavailable' }, TransientError],
  ])('a batch-level %s reaches every member', async (_name, fault, errorClass) => {
    const client = coalescing({ maxBatchesInFlight: 1 });
    await admin('POST', '/_admin/faults', fault);
    await resetStats();
    const first = blocker(client).catch((e: unknown) => e);
    const members = [
      client.create('accounts', { name: 'a' }).catch((e: unknown) => e),
      client.executeBatch([{ changeSet: [{ method: 'POST', target: { entitySet: 'accounts' }, body: { name: 'b' } }] }]).catch((e: unknown) => e),
      client.delete('accounts', randomUUID()).catch((e: unknown) => e),
    ];
    expect(await first).toBeInstanceOf(errorClass);
    for (const outcome of await Promise.all(members)) expect(outcome).toBeInstanceOf(errorClass);
    expect((await stats()).http.total).toBe(2);
  });

  it('passes a bad column through as BusinessRuleError from a merged plain create', async () => {
    const client = coalescing({ maxBatchesInFlight: 1 });
    const first = blocker(client);
    const bad = client.create('accounts', { name: 'bad', nosuchcolumn: 1 }).catch((e: unknown) => e);
    const good = client.create('accounts', { name: 'good' });
    await first;
    const alone = await inner.create('accounts', { name: 'bad', nosuchcolumn: 1 }).catch((e: unknown) => e);
    const error = await bad;
    expect(error).toBeInstanceOf(BusinessRuleError);
    expect((error as Error).constructor).toBe((alone as Error).constructor);
    expect((error as Error).message).toBe((alone as Error).message);
    await expect(good).resolves.toMatchObject({ outcome: 'unknown' });
  });
});
