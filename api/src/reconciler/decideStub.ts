/**
 * What the reconciler does with one stub it took this round — the decision table of README.md ("One
 * round", step 4) as a pure function: the facts the round gathered in, a decision out. No I/O and no
 * clock (`now` is an input), so `decideStub.test.ts` checks every row of that table in milliseconds;
 * Reconciler.ts gathers the facts and applies the decision.
 *
 * The reconciler asks twice for a stub it hydrates: first without `hydration` (→ `hydrate`), then,
 * when the target failed the hydration, with what it said (→ an attempt, or the round stops).
 */
import { clip } from '../core/clip';
import type { ReconcilerSettings } from './ReconcilerSettings';

/** The stub's `ec_stub` row as the round read it. */
export interface StubFacts {
  table: string;
  recordId: string;
  state: 'Pending' | 'Abandoned';
  /** Failed attempts so far (`ec_attempts`). */
  attempts: number;
  /** The row's `createdon` (ISO 8601). */
  createdOn: string;
}

/** The stub record as read in the target (`undefined`: not found there). */
export interface TargetRecordFacts {
  createdBy?: unknown;
  modifiedBy?: unknown;
  modifiedOn?: unknown;
}

/** What the source said about the stub's record. */
export type SourceAnswer =
  | { said: 'found'; record: Record<string, unknown> }
  | { said: 'notFound' }
  /** Down, throttling, or its circuit open: the source read failed for the whole round. */
  | { said: 'failed'; reason: string };

/**
 * How the target failed a hydration: `rejected` — it refused this record (4xx other than 429; an attempt
 * counts); `transient` — down, throttling, anything else (nothing counts; the round stops on this target).
 */
export type HydrationFailureKind = 'rejected' | 'transient';

export interface HydrationFailure {
  kind: HydrationFailureKind;
  message: string;
}

export interface StubDecisionInput {
  stub: StubFacts;
  target: TargetRecordFacts | undefined;
  source: SourceAnswer;
  /** What the target answered when the reconciler hydrated the stub and it failed (absent before). */
  hydration?: HydrationFailure;
  settings: Pick<ReconcilerSettings, 'maxAttempts' | 'abandonAfterHours'>;
  instances: { target: string; source: string };
  now: Date;
}

/** A failed attempt, as `ec_attempts`, `ec_lasterror` and the report count it. */
interface Attempt {
  /** `missing` at the source, or `failed`: refused by the target. */
  outcome: 'missing' | 'failed';
  /** The stub's attempts with this one. */
  attempts: number;
  lastError: string;
}

export type StubDecision =
  /** Someone else wrote the record: mark the row Hydrated, as of `hydratedOn`, without writing the record. */
  | { kind: 'markExternal'; hydratedOn: Date }
  /** Hydrate the record from the source's data through the hydrate path. */
  | { kind: 'hydrate'; record: Record<string, unknown> }
  /** Count a failed attempt; the stub stays as it is (Pending, or Abandoned when asked to hydrate again). */
  | ({ kind: 'countAttempt' } & Attempt)
  /** Count a failed attempt and make the stub Abandoned. */
  | ({ kind: 'abandon' } & Attempt)
  /** Leave the stub for a later round: the source could not be read. */
  | { kind: 'defer'; reason: string }
  /** The target failed otherwise: stop hydrating on it this round (this stub and the ones not yet started wait). */
  | { kind: 'stopRound'; reason: string };

export type StubDecisionKind = StubDecision['kind'];

export function decideStub(input: StubDecisionInput): StubDecision {
  const { target, source, hydration, instances, now } = input;
  if (target && updatedBySomeoneElse(target)) {
    const modifiedOn = target.modifiedOn;
    return { kind: 'markExternal', hydratedOn: typeof modifiedOn === 'string' && Number.isFinite(Date.parse(modifiedOn)) ? new Date(modifiedOn) : now };
  }
  if (source.said === 'failed') return { kind: 'defer', reason: source.reason };
  if (source.said === 'notFound') return failedAttempt(input, 'missing', `not found in the source instance '${instances.source}'`);
  if (!hydration) return { kind: 'hydrate', record: source.record };
  if (hydration.kind === 'transient') return { kind: 'stopRound', reason: hydration.message };
  // The target refused this record (or its row changed meanwhile: the attempt's row update then fails its If-Match too).
  return failedAttempt(input, 'failed', `the target instance '${instances.target}' refused the hydration: ${hydration.message}`);
}

/** One more attempt, its error; Abandoned once `maxAttempts` is reached or the stub is `abandonAfterHours` old. */
function failedAttempt(input: StubDecisionInput, outcome: Attempt['outcome'], reason: string): StubDecision {
  const { stub, settings, now } = input;
  const attempts = stub.attempts + 1;
  const ageHours = (now.getTime() - Date.parse(stub.createdOn)) / 3_600_000;
  const abandon = stub.state === 'Pending' && (attempts >= settings.maxAttempts || ageHours >= settings.abandonAfterHours);
  const lastError = clip(`${now.toISOString().replace(/\.\d{3}Z$/, 'Z')} attempt ${attempts}: ${stub.table} ${stub.recordId} ${reason}.`, 4000);
  return { kind: abandon ? 'abandon' : 'countAttempt', outcome, attempts, lastError };
}

/**
 * The stub record was last written by someone other than its creator (this service's application
 * user): replication, a person, a flow under its own connection.
 */
function updatedBySomeoneElse(record: TargetRecordFacts): boolean {
  const { createdBy, modifiedBy } = record;
  return typeof createdBy === 'string' && typeof modifiedBy === 'string' && createdBy.toLowerCase() !== modifiedBy.toLowerCase();
}
