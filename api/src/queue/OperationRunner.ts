/**
 * Runs one claimed operation and records what came of it: run → classify → finish or release → wake.
 * The one path both `OperationQueue.accept` (the caller waits on its connection) and `InstanceDrain`
 * (the caller was answered 202 and polls) take. What differs between them is the `RunMode` they pass;
 * what each then tells its caller, its metrics and its log stays with it (`RunResult`).
 */
import type { Logger } from 'pino';
import type { EnsureActions } from '../core/EnsureService';
import { attemptsExhausted, executeAction, withinAttempts, type ActionOutcome } from './ActionExecutor';
import type { OperationRecord } from './OperationRecord';
import type { OperationStore } from './OperationStore';
import type { QueueSettings } from './QueueSettings';

export type RunMode =
  /**
   * `accept`: the caller waits for this answer on its connection. A permanent failure is `rejected`
   * (the caller is told at once). An unexpected error (a bug) is recorded and thrown on: the caller's
   * 500 comes from the error handler, with the request id.
   */
  | { caller: 'waiting'; requestId?: string }
  /**
   * The drain: the caller was answered 202 and polls. A permanent failure is `failed` (a dead letter),
   * an unexpected error too; the answer is recorded in the background batch when the operation was
   * accepted. `answered`: the instance has answered, its slot is free while the outcome is recorded.
   */
  | { caller: 'polling'; answered(): void };

export type RunResult =
  /** A transient failure: back to `queued` until `retryAt` (`released: false` when the lease was lost meanwhile). */
  | { kind: 'released'; outcome: ActionOutcome & { kind: 'transient' }; released: boolean }
  /** The final answer, recorded (`finished: false` when the lease was lost meanwhile: another process took it over). */
  | { kind: 'finished'; outcome: ActionOutcome & { kind: 'final' }; finished: boolean };

export interface OperationRunnerOptions {
  service: EnsureActions;
  store: OperationStore;
  settings: QueueSettings;
  /** This process's lease owner. */
  owner: string;
  logger: Logger;
  /** The instance's circuit state after the attempt (whether a transient failure counts as an attempt). */
  circuitState(instance: string): string | undefined;
  /** Sends the wake-up of an operation (the next one of a lane, or a retry later). */
  wake(instance: string, operationId: string, notBefore?: Date): void;
}

export class OperationRunner {
  constructor(private readonly options: OperationRunnerOptions) {}

  async run(operation: OperationRecord, mode: RunMode): Promise<RunResult> {
    const { store, owner, wake } = this.options;
    const outcome = await this.attempt(operation, mode);
    if (mode.caller === 'polling') mode.answered();
    if (outcome.kind === 'transient') {
      const released = await store.release(operation.id, owner, outcome.retryAt, outcome.error, { uncounted: outcome.counted === false });
      if (released) wake(operation.instance, operation.id, outcome.retryAt);
      return { kind: 'released', outcome, released };
    }
    const done = await store.finish(
      operation.id,
      owner,
      {
        state: outcome.succeeded ? 'succeeded' : mode.caller === 'waiting' ? 'rejected' : 'failed',
        status: outcome.status,
        response: outcome.body,
        ...(outcome.error !== undefined ? { error: outcome.error } : {}),
      },
      // Drained operations were answered 202: their callers poll, none waits on this finish.
      { background: mode.caller === 'polling' && operation.accepted },
    );
    if (done.next) wake(operation.instance, done.next);
    return { kind: 'finished', outcome, finished: done.finished };
  }

  /** Runs the action once and classifies its outcome; an unexpected error becomes a 500 (see `RunMode`). */
  private async attempt(operation: OperationRecord, mode: RunMode): Promise<ActionOutcome & { counted?: boolean }> {
    const { service, settings, logger } = this.options;
    try {
      // Claimed again and again without an outcome (its process stopped or crashed while running it): not run again.
      if (operation.attempts > settings.maxAttempts) return attemptsExhausted(operation.attempts - 1, operation.lastError ?? 'none recorded: the process running it stopped each time');
      const requestId = mode.caller === 'waiting' ? mode.requestId : `op-${operation.id}`;
      return withinAttempts(
        await executeAction(service, operation.request, settings.retryAfterSeconds, requestId),
        operation.attempts,
        settings.maxAttempts,
        this.options.circuitState(operation.instance),
      );
    } catch (error) {
      if (mode.caller === 'waiting') {
        // A bug, not a Dataverse answer: the caller gets a 500 from the error handler; remember it as such.
        const done = await this.options.store.finish(operation.id, this.options.owner, {
          state: 'rejected',
          status: 500,
          response: { error: { code: 'InternalError', message: 'An unexpected error occurred; quote the request id when you report it.' } },
          error: (error as Error).message,
        });
        if (done.next) this.options.wake(operation.instance, done.next);
        throw error;
      }
      logger.error({ err: error, operationId: operation.id }, 'queue: unexpected error running an operation; it is dead-lettered');
      return {
        kind: 'final' as const,
        succeeded: false,
        status: 500,
        body: { error: { code: 'InternalError', message: `An unexpected error occurred running operation ${operation.id}; see the service log.` } },
        error: (error as Error).message,
      };
    }
  }
}
