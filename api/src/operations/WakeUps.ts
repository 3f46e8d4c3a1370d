/**
 * Sends the pg-boss wake-up jobs ("operation X may be due") in batches: every wake-up asked for in the
 * same tick goes out in one `boss.insert`, after the answer to the caller. The operation row is already
 * durable when a wake-up is asked for, so a wake-up is never needed for correctness — a lost one (a
 * failed insert, a crash) only delays the operation until the drain's sweep finds it — and keeping it
 * off the answer's path keeps `202 Accepted` fast.
 */
import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { WakeUp } from './InstanceDrain';

export class WakeUps {
  private pending: PgBoss.JobInsert<WakeUp>[] = [];
  private dueInstances = new Set<string>();
  private flushing: Promise<void> = Promise.resolve();
  private scheduled = false;

  constructor(
    private readonly boss: PgBoss,
    private readonly queueNameOf: (instance: string) => string,
    /** Called once the wake-ups of an instance that are due now are in the queue. */
    private readonly onDue: (instance: string) => void,
    private readonly logger: Logger,
  ) {}

  send(instance: string, operationId: string, notBefore?: Date): void {
    const later = notBefore !== undefined && notBefore.getTime() > Date.now() + 50;
    this.pending.push({ name: this.queueNameOf(instance), data: { operationId }, ...(later ? { startAfter: notBefore } : {}) });
    if (!later) this.dueInstances.add(instance);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flushing = this.flushing.then(() => this.flush());
      });
    }
  }

  /** Resolves once every wake-up asked for so far is sent (or its failure logged). */
  async settled(): Promise<void> {
    while (this.scheduled || this.pending.length > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      await this.flushing;
    }
    await this.flushing;
  }

  private async flush(): Promise<void> {
    const jobs = this.pending;
    const due = this.dueInstances;
    this.pending = [];
    this.dueInstances = new Set();
    if (jobs.length === 0) return;
    try {
      await this.boss.insert(jobs);
    } catch (error) {
      this.logger.warn({ err: error, count: jobs.length }, 'queue: could not send wake-ups; the sweep resumes those operations');
    }
    for (const instance of due) this.onDue(instance);
  }
}
