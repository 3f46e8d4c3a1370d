/**
 * Defence in depth below the validation: values injected straight into the record store that the
 * journal (PGlite) cannot store. A write that cannot be persisted fails alone and is never visible;
 * the writes grouped with it commit; a unit that read its changes runs again without them; the store
 * keeps accepting writes and a restart is healthy. A genuine storage failure still stops writes, but
 * what a restart loads is exactly what was answered.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataverseHttpError } from '../../api/src/local-dataverse/errors/DataverseErrorFactory';
import { PgliteJournal } from '../../api/src/local-dataverse/persistence/PgliteJournal';
import { MemoryJournal, type RecordJournal } from '../../api/src/local-dataverse/persistence/RecordJournal';
import { RecordStore, type WriteTransaction } from '../../api/src/local-dataverse/persistence/RecordStore';
import type { RecordChange } from '../../api/src/local-dataverse/persistence/StoredRecord';
import { loadSchema } from '../../api/src/local-dataverse/schema/defaultSchema';
import { seedPgliteCluster } from '../support/pgliteTemplate';

jest.setTimeout(60_000);

const schema = loadSchema();
let folder: string;
// Creating a PGlite cluster takes seconds; each test copies an empty one instead.
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'local-dataverse-refusal-'));
  seedPgliteCluster(join(folder, 'pgdata'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

async function openStore(): Promise<{ store: RecordStore; failures: Array<{ error: unknown; fatal: boolean }> }> {
  const store = await RecordStore.open(schema, await PgliteJournal.open(folder));
  const failures: Array<{ error: unknown; fatal: boolean }> = [];
  store.onPersistFailure = (error, fatal) => failures.push({ error, fatal });
  return { store, failures };
}

const createAccount = (id: string, name: string, accountnumber: string | null = null) => (tx: WriteTransaction) =>
  tx.put('account', id, { name, accountnumber });

function names(store: RecordStore): string[] {
  return [...store.rows('account')].map((r) => r.values.name as string).sort();
}

async function rejection(promise: Promise<unknown>): Promise<DataverseHttpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataverseHttpError);
  return error as DataverseHttpError;
}

test.each([
  ['NUL', 'nul\u0000x'],
  ['a lone high surrogate', 'high\ud800'],
  ['a lone low surrogate', '\udc00low'],
])('%s slipped past validation: the write fails alone, is never visible, and the store carries on', async (_name, poison) => {
  let { store, failures } = await openStore();
  try {
    const id = randomUUID();
    const refused = rejection(store.write(createAccount(id, poison)));
    expect(store.get('account', id)).toBeUndefined(); // not before it is committed…
    const error = await refused;
    expect(error.status).toBe(500);
    expect(error.message).toContain('could not store this write, which was not applied');
    expect(store.get('account', id)).toBeUndefined(); // …and not after it failed
    expect(failures).toHaveLength(1);
    expect(failures[0]!.fatal).toBe(false);

    const good = randomUUID();
    const pending = store.write(createAccount(good, 'good')).then(() => 'committed');
    expect(store.get('account', good)).toBeUndefined();
    expect(await pending).toBe('committed');
    expect(store.get('account', good)?.values.name).toBe('good');
    // The same id can be written again: nothing of the failed write is left anywhere.
    await store.write(createAccount(id, 'retried'));
  } finally {
    await store.close();
  }
  ({ store, failures } = await openStore());
  try {
    expect(names(store)).toEqual(['good', 'retried']);
    await store.write(createAccount(randomUUID(), 'after restart'));
    expect(names(store)).toEqual(['after restart', 'good', 'retried']);
    expect(failures).toEqual([]);
  } finally {
    await store.close();
  }
});

test('in one group commit: the refused unit fails, the others commit, a unit that read it runs again without it', async () => {
  const opened = await openStore();
  let store = opened.store;
  const poisoned = randomUUID();
  try {
    // Started in one tick: one group commit.
    const outcomes = await Promise.allSettled([
      store.write(createAccount(randomUUID(), 'first', 'K-1')),
      store.write(createAccount(poisoned, 'poison\u0000', 'K-P')),
      // Reads the poisoned record (pending): binds a contact to it, or refuses when it is gone.
      store.write((tx) => {
        if (!tx.get('account', poisoned)) throw new DataverseHttpError(404, '0x80040217', 'gone');
        tx.put('contact', randomUUID(), { lastname: 'child', parentcustomerid: { table: 'account', id: poisoned } });
      }),
      // Refused for the pending poisoned record's key at first; valid once that record is gone.
      store.write(createAccount(randomUUID(), 'same key', 'K-P')),
      store.write(createAccount(randomUUID(), 'last', 'K-2')),
    ]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : (o.reason as DataverseHttpError).status))).toEqual(['ok', 500, 404, 'ok', 'ok']);
    expect(names(store)).toEqual(['first', 'last', 'same key']);
    expect(store.count('contact')).toBe(0);
    expect(opened.failures.map((f) => f.fatal)).toEqual([false]);
  } finally {
    await store.close();
  }
  ({ store } = await openStore());
  try {
    expect(names(store)).toEqual(['first', 'last', 'same key']);
    expect(store.findByKey('account', 'accountnumber', { accountnumber: 'k-p' })?.values.name).toBe('same key');
    expect(store.count('contact')).toBe(0);
  } finally {
    await store.close();
  }
});

test('a change set with one unstorable record commits nothing of it', async () => {
  const { store } = await openStore();
  try {
    const changeSet = store.write((tx) => {
      tx.put('account', randomUUID(), { name: 'cs-1' });
      tx.put('account', randomUUID(), { name: 'cs-2\ud800' });
    });
    expect((await rejection(changeSet)).status).toBe(500);
    expect(store.count('account')).toBe(0);
    await store.write(createAccount(randomUUID(), 'after'));
    expect(names(store)).toEqual(['after']);
  } finally {
    await store.close();
  }
});

/** A journal over another that fails with a storage error (not a data refusal) when told to. */
class BreakingJournal implements RecordJournal {
  broken = false;
  constructor(private readonly inner: RecordJournal) {}
  load() {
    return this.inner.load();
  }
  persist(changes: RecordChange[]): Promise<void> {
    if (this.broken) return Promise.reject(Object.assign(new Error('could not write to file: No space left on device'), { code: '53100' }));
    return this.inner.persist(changes);
  }
  close() {
    return this.inner.close();
  }
}

test('a storage failure stops writes, shows none of the failed ones, and a restart loads exactly what was answered', async () => {
  const journal = new BreakingJournal(await PgliteJournal.open(folder));
  const store = await RecordStore.open(schema, journal);
  const failures: Array<{ fatal: boolean }> = [];
  store.onPersistFailure = (_error, fatal) => failures.push({ fatal });
  try {
    await store.write(createAccount(randomUUID(), 'kept'));
    journal.broken = true;
    const lost = await Promise.allSettled([store.write(createAccount(randomUUID(), 'lost a')), store.write(createAccount(randomUUID(), 'lost b'))]);
    for (const outcome of lost) {
      expect(outcome.status).toBe('rejected');
      expect(((outcome as PromiseRejectedResult).reason as Error).message).toContain('must be restarted (could not write to file: No space left on device)');
    }
    expect(names(store)).toEqual(['kept']);
    expect(failures).toEqual([{ fatal: true }]);
    journal.broken = false;
    expect((await rejection(store.write(createAccount(randomUUID(), 'refused')))).message).toContain('must be restarted');
  } finally {
    await store.close();
  }
  const restarted = await RecordStore.open(schema, await PgliteJournal.open(folder));
  try {
    expect(names(restarted)).toEqual(['kept']);
    await restarted.write(createAccount(randomUUID(), 'after restart'));
    expect(names(restarted)).toEqual(['after restart', 'kept']);
  } finally {
    await restarted.close();
  }
});

test('reads see only committed writes; later units see pending ones (in memory too)', async () => {
  const store = await RecordStore.open(schema, new MemoryJournal());
  const id = randomUUID();
  const create = store.write(createAccount(id, 'pending', 'P-1'));
  const duplicate = store.write(createAccount(randomUUID(), 'other', 'P-1'));
  const update = store.write((tx) => tx.put('account', id, { ...tx.get('account', id)!.values, name: 'updated' }));
  const settled = Promise.allSettled([create, duplicate, update]);
  expect(store.get('account', id)).toBeUndefined();
  expect(store.findByKey('account', 'accountnumber', { accountnumber: 'P-1' })).toBeUndefined();
  const [created, refused, updated] = await settled;
  expect([created.status, updated.status]).toEqual(['fulfilled', 'fulfilled']);
  expect(((refused as PromiseRejectedResult).reason as DataverseHttpError).code).toBe('0x80060892');
  expect(store.get('account', id)?.values.name).toBe('updated');
  await store.close();
});
