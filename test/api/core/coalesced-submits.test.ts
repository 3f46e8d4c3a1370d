/**
 * Many concurrent submits with missing references through the core, its clients coalescing (as
 * main.ts wires them): every record and every `ec_stub` row present, the answers the same as the same
 * submits made one after another without coalescing, and far fewer requests than records.
 */
import { randomUUID } from 'node:crypto';
import { createEnsureCore, type EnsureCore, type SubmitStrategy } from '../../../api/src/core/createEnsureCore';
import type { SubmitResult } from '../../../api/src/core/EnsureService';
import type { LocalDataverse } from '../../../api/src/local-dataverse';
import { startLocalAB, type LocalAB } from '../../support/abInstances';
import { context } from './coreFixture';

const N = 32;
/** GUID references, missing in b (the same in both runs: each run has its own b). */
const guids = Array.from({ length: N }, () => randomUUID());

/**
 * Caller i's contact: its parent by GUID (missing), by an account number a knows, or by a number known
 * nowhere — shared by four callers (they wait for each other: one stub), else its own.
 */
function parentBind(i: number): string {
  if (i % 3 === 0) return `/accounts(${guids[i]})`;
  if (i % 3 === 1) return `/accounts(accountnumber='AK-${i}')`;
  return `/accounts(accountnumber='${sharedNumber(i) ?? `NEW-${i}`}')`;
}

const sharedNumber = (i: number) => (i % 3 === 2 && i < 12 ? 'SHARED' : undefined);

interface Run {
  ab: LocalAB;
  core: EnsureCore;
  /** Account GUIDs in a by account number. */
  sourceIds: Map<string, string>;
}

async function start(strategy: SubmitStrategy, coalescing: boolean): Promise<Run> {
  const ab = await startLocalAB();
  const instances = coalescing ? ab.instances : ab.instances.map((instance) => ({ ...instance, client: instance.name === 'a' ? ab.clientA : ab.clientB }));
  const core = createEnsureCore({ submitStrategy: strategy, instances, ...(coalescing ? {} : { lookupCoalescing: false as const }) });
  await core.tables('b');
  const sourceIds = new Map<string, string>();
  for (let i = 1; i < N; i += 3) sourceIds.set(`AK-${i}`, (await ab.clientA.create('accounts', { name: `Source ${i}`, accountnumber: `AK-${i}` })).id!);
  return { ab, core, sourceIds };
}

async function stop(run: Run | undefined): Promise<void> {
  if (!run) return;
  await Promise.all([run.ab.clientA.close(), run.ab.clientB.close()]);
  await Promise.all([run.ab.a.close(), run.ab.b.close()]);
}

const submit = (run: Run, i: number) => run.core.submit('b', { table: 'contact', record: { lastname: `Caller ${i}`, 'parentcustomerid_account@odata.bind': parentBind(i) } }, context);

async function admin(instance: LocalDataverse, path: string, body?: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(`${instance.url}${path}`, { method: body === undefined && path.endsWith('stats') ? 'GET' : 'POST', ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }) });
  return response.json();
}

async function get(instance: LocalDataverse, path: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return (await fetch(`${instance.webApiUrl}${path}`)).json();
}

/** What a caller's answer says, without what differs between two runs by design (new GUIDs). */
function comparable(run: Run, i: number, result: SubmitResult): unknown {
  return {
    operation: result.operation,
    table: result.table,
    stubsCreated: sharedNumber(i) ? 'shared' : result.stubsCreated.map((stub) => ({ ...stub, id: i % 3 === 0 ? stub.id : i % 3 === 1 ? stub.id === run.sourceIds.get(`AK-${i}`) : 'a new GUID' })),
  };
}

/** Every record and stub is in b: each contact's parent is its stub, each stub has its ec_stub row. */
async function expectAllPresent(run: Run, results: SubmitResult[]): Promise<void> {
  const b = run.ab.b;
  const sharedIds = new Map<string, string>();
  for (const [i, result] of results.entries()) {
    const row = await get(b, `contacts(${result.id})?$select=lastname,_parentcustomerid_value`);
    expect(row.lastname).toBe(`Caller ${i}`);
    const parent = row._parentcustomerid_value as string;
    if (i % 3 === 0) expect(parent).toBe(guids[i]);
    if (i % 3 === 1) expect(parent).toBe(run.sourceIds.get(`AK-${i}`));
    if (sharedNumber(i)) {
      expect(parent).toBe(sharedIds.get('SHARED') ?? parent);
      sharedIds.set('SHARED', parent);
    }
    const stubRows = await get(b, `ec_stubs?$select=ec_recordid&$filter=${encodeURIComponent(`ec_recordid eq '${parent}'`)}`);
    expect(stubRows.value).toHaveLength(1);
  }
  const created = results.flatMap((result) => result.stubsCreated);
  expect(new Set(created.map((stub) => stub.id)).size).toBe(created.length);
  expect((await get(b, 'ec_stubs?$count=true&$select=ec_recordid'))['@odata.count']).toBe(created.length);
}

describe.each<SubmitStrategy>(['single-round-trip', 'atomic'])('%s: concurrent submits, coalesced', (strategy) => {
  let coalesced: Run | undefined;
  let sequential: Run | undefined;
  afterAll(async () => {
    await stop(coalesced);
    await stop(sequential);
  });

  it(`${N} concurrent submits with missing references: all present, answers as sequential ones, far fewer requests`, async () => {
    coalesced = await start(strategy, true);
    sequential = await start(strategy, false);
    const seqResults: SubmitResult[] = [];
    for (let i = 0; i < N; i += 1) seqResults.push(await submit(sequential, i));

    const { a, b } = coalesced.ab;
    await Promise.all([a, b].map((instance) => admin(instance, '/_admin/faults', { mode: 'slow', latencyMs: 50 })));
    await Promise.all([a, b].map((instance) => admin(instance, '/_admin/stats/reset', {})));
    const results = await Promise.all(Array.from({ length: N }, (_, i) => submit(coalesced!, i)));
    const [aStats, bStats] = await Promise.all([a, b].map((instance) => admin(instance, '/_admin/stats')));
    await Promise.all([a, b].map((instance) => admin(instance, '/_admin/faults', { mode: 'none' })));

    expect(results.map((result, i) => comparable(coalesced!, i, result))).toEqual(seqResults.map((result, i) => comparable(sequential!, i, result)));
    // The shared references: one stub each, whoever made it.
    expect(results.filter((_, i) => sharedNumber(i)).flatMap((r) => r.stubsCreated)).toHaveLength(1);
    await expectAllPresent(coalesced, results);
    await expectAllPresent(sequential, seqResults);
    // Each submit alone is at least one request to b (two with atomic), and one to a per account number; coalesced, far fewer.
    // (The callers arrive at b in waves — those with an account number after their lookup in a — and the
    // four sharing a reference one after another, so this is well above the best case.)
    expect(bStats.http.total).toBeLessThanOrEqual((strategy === 'atomic' ? 2 : 1) * N * 0.5);
    expect(aStats.http.total).toBeLessThanOrEqual(N / 4);
  });
});
