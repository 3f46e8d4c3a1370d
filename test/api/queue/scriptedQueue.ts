/**
 * The durable queue (`OperationQueue`, its drain and store on a real pg-boss database: in-memory PGlite
 * or PostgreSQL) in front of a scripted target: `submit` answers what the test's script says for each
 * record, as the core would (the client's typed errors mapped by `toApiError`, as in production). For
 * what the local Dataverse cannot be made to do on demand: answer 500 for one record's content, fail
 * the same way on every attempt.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import type { EnsureService, SubmitInput } from '../../../api/src/core/EnsureService';
import { toApiError } from '../../../api/src/core/DataverseFailures';
import { TransientError } from '../../../api/src/dataverse/DataverseErrors';
import type { CircuitView } from '../../../api/src/queue/InstanceDrain';
import { OperationQueue } from '../../../api/src/queue/OperationQueue';
import { queueSettings, type QueueSettingsInput } from '../../../api/src/queue/QueueSettings';
import { createQueue, type QueueBoss } from '../../../api/src/database/createQueue';
import { pgliteTemplateDump } from '../../support/pgliteTemplate';

/** What the target does with a submit: answer it, or fail as Dataverse would. */
export type TargetScript = (input: SubmitInput) => unknown;

export interface ScriptedQueue {
  queue: OperationQueue;
  boss: QueueBoss;
  /** Submits the target received, by record `lastname`. */
  calls: Map<string, number>;
  logLines: string[];
  close(): Promise<void>;
}

/** The error the core raises when the target answers `status` (no status: no answer at all). */
export function targetFailure(status: number | undefined, message = 'target failure'): unknown {
  return toApiError(new TransientError({ ...(status !== undefined ? { status } : {}), code: '', message, request: { method: 'POST', path: '/api/data/v9.2/contacts' } }), 'b');
}

export async function startScriptedQueue(script: TargetScript, options: { queue?: QueueSettingsInput; databaseUrl?: string; circuit?: () => CircuitView['state'] } = {}): Promise<ScriptedQueue> {
  const boss = await createQueue(options.databaseUrl ? { databaseUrl: options.databaseUrl } : { memory: true, template: pgliteTemplateDump() });
  const calls = new Map<string, number>();
  const service = {
    async submit(_instance: string, input: SubmitInput) {
      const name = String(input.record['lastname']);
      calls.set(name, (calls.get(name) ?? 0) + 1);
      const answer = script(input);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as EnsureService;
  const logLines: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(chunk.toString('utf8'));
        callback();
      },
    }),
  );
  const queue = await OperationQueue.start({
    boss,
    service,
    instances: [{ name: 'b', ...(options.circuit ? { breaker: { snapshot: () => ({ state: options.circuit!(), openUntil: undefined }) } } : {}) }],
    settings: queueSettings({ pollIntervalSeconds: 0.05, retryAfterSeconds: 1, leaseSeconds: 30, ...options.queue }),
    logger,
    exclusive: !options.databaseUrl,
  });
  return {
    queue,
    boss,
    calls,
    logLines,
    close: async () => {
      await queue.stop(1_000);
      await boss.stop({ graceful: false });
    },
  };
}

/** Waits until `probe` answers something. */
export async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
