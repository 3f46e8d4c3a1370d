/**
 * The reconciler's decision per stub, from the decision table of api/src/reconciler/README.md ("One
 * round", step 4). The test reads that table: each row names its conditions in words and its decision
 * in the last column; the cases below turn each row's words into facts (several variants where the
 * words cover several), and every variant must come out as the decision the README names. A row
 * without cases, or cases without a row, fail: the README and `decideStub` cannot drift apart.
 * Pure: no database, no HTTP.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decideStub, type SourceAnswer, type StubDecision, type StubDecisionInput, type StubFacts, type TargetRecordFacts } from '../../../api/src/reconciler/decideStub';

const README = join(__dirname, '../../../api/src/reconciler/README.md');
const HEADER = /^\|\s*the stub record in the target…/;

interface TableRow {
  conditions: string;
  decision: string;
}

/** The decision table's rows: the condition cells joined with ' | ', and the decision's name. */
function decisionTable(): TableRow[] {
  const lines = readFileSync(README, 'utf8').split('\n').map((line) => line.trim());
  const start = lines.findIndex((line) => HEADER.test(line));
  if (start < 0) throw new Error('README.md has no decision table');
  const rows: TableRow[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.replace(/^\||\|$/g, '').split(' | ').map((cell) => cell.trim());
    const decision = /^`(\w+)`$/.exec(cells.at(-1) ?? '')?.[1];
    if (cells.length !== 5 || decision === undefined) throw new Error(`README.md decision table: cannot read the row ${line}`);
    rows.push({ conditions: cells.slice(0, 3).join(' | '), decision });
  }
  return rows;
}

const now = new Date('2025-06-01T12:00:00.000Z');
const settings = { maxAttempts: 20, abandonAfterHours: 72 };
const instances = { target: 'b', source: 'a' };
const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3_600_000).toISOString();
const pending: StubFacts = { table: 'account', recordId: '00000000-0000-0000-0000-0000000000a1', state: 'Pending', attempts: 0, createdOn: hoursAgo(1) };

const APP_USER = 'AAAAAAAA-0000-0000-0000-000000000001';
const REPLICATION = 'bbbbbbbb-0000-0000-0000-000000000002';
const someoneElse: TargetRecordFacts = { createdBy: APP_USER, modifiedBy: REPLICATION, modifiedOn: '2025-06-01T11:59:30Z' };
/** Untouched: modified by its creator (ids compare case-insensitively), a creator unknown, or the record not found in the target. */
const untouched: Array<TargetRecordFacts | undefined> = [{ createdBy: APP_USER, modifiedBy: APP_USER.toLowerCase(), modifiedOn: '2025-06-01T11:00:00Z' }, { modifiedBy: REPLICATION }, undefined];

const found: SourceAnswer = { said: 'found', record: { name: 'Contoso' } };
const notFound: SourceAnswer = { said: 'notFound' };
const sourceDown: SourceAnswer[] = [
  { said: 'failed', reason: 'connect ECONNREFUSED 127.0.0.1:1' },
  { said: 'failed', reason: 'throttled (429)' },
  { said: 'failed', reason: "the circuit of 'a' is open" },
];

const refused = { kind: 'rejected', message: 'a required column is missing' } as const;
const transient = { kind: 'transient', message: 'service unavailable (503)' } as const;
/** Stubs that cross the limit with this attempt: the last allowed attempt, or old enough (exactly and beyond). */
const atTheLimit: StubFacts[] = [
  { ...pending, attempts: settings.maxAttempts - 1 },
  { ...pending, createdOn: hoursAgo(settings.abandonAfterHours) },
  { ...pending, attempts: 3, createdOn: hoursAgo(500) },
];
/** Stubs that stay as they are: young with attempts left, or already Abandoned (asked to hydrate again) even past every limit. */
const belowTheLimit: StubFacts[] = [
  pending,
  { ...pending, attempts: settings.maxAttempts - 2, createdOn: hoursAgo(settings.abandonAfterHours - 0.01) },
  { ...pending, state: 'Abandoned', attempts: 40, createdOn: hoursAgo(500) },
];

type Facts = Omit<StubDecisionInput, 'settings' | 'instances' | 'now'>;
const each = <T,>(values: readonly T[], facts: (value: T) => Facts | Facts[]): Facts[] => values.flatMap(facts);

/** Per README row (its condition cells), the facts it covers. */
const cases: Record<string, Facts[]> = {
  'was last modified by someone else than its creator | anything (even down) | —': each([found, notFound, ...sourceDown], (source) =>
    each([pending, ...atTheLimit, ...belowTheLimit], (stub) => ({ stub, target: someoneElse, source })),
  ),
  'is untouched (or not found) | has the record | —': each(untouched, (target) => each([pending, ...atTheLimit, ...belowTheLimit], (stub) => ({ stub, target, source: found }))),
  'is untouched (or not found) | has the record | refuses it (4xx other than 429)': each(untouched, (target) => each(belowTheLimit, (stub) => ({ stub, target, source: found, hydration: refused }))),
  'is untouched (or not found) | has the record | refuses it, at attempt `maxAttempts` or once the stub is `abandonAfterHours` old': each(untouched, (target) =>
    each(atTheLimit, (stub) => ({ stub, target, source: found, hydration: refused })),
  ),
  'is untouched (or not found) | has the record | fails otherwise (down, throttling)': each(untouched, (target) =>
    each([...atTheLimit, ...belowTheLimit], (stub) => ({ stub, target, source: found, hydration: transient })),
  ),
  'is untouched (or not found) | does not have it | —': each(untouched, (target) => each(belowTheLimit, (stub) => ({ stub, target, source: notFound }))),
  'is untouched (or not found) | does not have it, at attempt `maxAttempts` or once the stub is `abandonAfterHours` old | —': each(untouched, (target) =>
    each(atTheLimit, (stub) => ({ stub, target, source: notFound })),
  ),
  'is untouched (or not found) | is down, throttling, or its circuit is open | —': each(untouched, (target) =>
    each(sourceDown, (source) => each([...atTheLimit, ...belowTheLimit], (stub) => ({ stub, target, source }))),
  ),
};

const decide = (facts: Facts): StubDecision => decideStub({ ...facts, settings, instances, now });

describe('the README decision table', () => {
  const table = decisionTable();

  it('has a row for every case here, and cases for every row', () => {
    expect(table.map((row) => row.conditions).sort()).toEqual(Object.keys(cases).sort());
  });

  it.each(table.map((row) => [row.conditions, row.decision] as const))('%s → %s', (conditions, decision) => {
    const facts = cases[conditions];
    expect(facts?.length).toBeGreaterThan(0);
    for (const fact of facts!) expect({ fact, decision: decide(fact).kind }).toEqual({ fact, decision });
  });
});

describe('what a decision carries', () => {
  it('marks an external hydration as of the record’s modifiedon, or now when it has none a date can be read from', () => {
    expect(decide({ stub: pending, target: someoneElse, source: notFound })).toEqual({ kind: 'markExternal', hydratedOn: new Date('2025-06-01T11:59:30Z') });
    expect(decide({ stub: pending, target: { ...someoneElse, modifiedOn: 'yesterday' }, source: found })).toEqual({ kind: 'markExternal', hydratedOn: now });
    expect(decide({ stub: pending, target: { ...someoneElse, modifiedOn: undefined }, source: found })).toEqual({ kind: 'markExternal', hydratedOn: now });
  });

  it('hydrates with the source’s record', () => {
    expect(decide({ stub: pending, target: undefined, source: found })).toEqual({ kind: 'hydrate', record: { name: 'Contoso' } });
  });

  it('counts the attempt with its number and the error, dated now, naming the instance that missed or refused', () => {
    expect(decide({ stub: { ...pending, attempts: 2 }, target: undefined, source: notFound })).toEqual({
      kind: 'countAttempt',
      outcome: 'missing',
      attempts: 3,
      lastError: "2025-06-01T12:00:00Z attempt 3: account 00000000-0000-0000-0000-0000000000a1 not found in the source instance 'a'.",
    });
    expect(decide({ stub: { ...pending, attempts: settings.maxAttempts - 1 }, target: undefined, source: found, hydration: refused })).toEqual({
      kind: 'abandon',
      outcome: 'failed',
      attempts: settings.maxAttempts,
      lastError: "2025-06-01T12:00:00Z attempt 20: account 00000000-0000-0000-0000-0000000000a1 the target instance 'b' refused the hydration: a required column is missing.",
    });
  });

  it('clips the error to the 4,000 characters ec_lasterror holds', () => {
    const decision = decide({ stub: pending, target: undefined, source: found, hydration: { kind: 'rejected', message: 'x'.repeat(5000) } });
    expect(decision.kind === 'countAttempt' && decision.lastError).toHaveLength(4000);
  });

  it('defers with the source’s failure, stops the round with the target’s', () => {
    expect(decide({ stub: pending, target: undefined, source: sourceDown[0]! })).toEqual({ kind: 'defer', reason: 'connect ECONNREFUSED 127.0.0.1:1' });
    expect(decide({ stub: pending, target: undefined, source: found, hydration: transient })).toEqual({ kind: 'stopRound', reason: 'service unavailable (503)' });
  });
});
