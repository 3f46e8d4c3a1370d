/**
 * Sends the pg-boss wake-up jobs ("operation X may be due") in batches: every wake-up asked for in the
 * same tick goes out in one `boss.insert` (TickBatcher), after the answer to the caller. The operation row is already
 * durable when a wake-up is asked for, so a wake-up is never needed for correctness — a lost one (a
 * failed insert, a crash) only delays the operation until the drain's sweep finds it — and keeping it
 * off the answer's path keeps `202 Accepted` fast.
 */
import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { WakeUp } from './InstanceDrain';
import { TickBatcher } from './TickBatcher';

interface WakeUpRequest {
  instance: string;
  job: PgBoss.JobInsert<WakeUp>;
  /** Due now (no `startAfter`): the instance's drain is told once it is in the queue. */
  due: boolean;
}

export class WakeUps {
  private readonly batcher = new TickBatcher<WakeUpRequest, void>((requests) => this.insert(requests));

  constructor(
    private readonly boss: PgBoss,
    private readonly queueNameOf: (instance: string) => string,
    /** Called once the wake-ups of an instance that are due now are in the queue. */
    private readonly onDue: (instance: string) => void,
    private readonly logger: Logger,
  ) {}

  send(instance: string, operationId: string, notBefore?: Date): void {
    const later = notBefore !== undefined && notBefore.getTime() > Date.now() + 50;
    const job = { name: this.queueNameOf(instance), data: { operationId }, ...(later ? { startAfter: notBefore } : {}) };
    // Never rejects: a failed insert is logged below.
    void this.batcher.add({ instance, job, due: !later });
  }

  /** Resolves once every wake-up asked for so far is sent (or its failure logged). */
  settled(): Promise<void> {
    return this.batcher.settled();
  }

  private async insert(requests: WakeUpRequest[]): Promise<void[]> {
    try {
      await this.boss.insert(requests.map((request) => request.job));
    } catch (error) {
      this.logger.warn({ err: error, count: requests.length }, 'queue: could not send wake-ups; the sweep resumes those operations');
    }
    for (const instance of new Set(requests.filter((request) => request.due).map((request) => request.instance))) this.onDue(instance);
    return requests.map(() => undefined);
  }
}
