/**
 * The degree of parallelism an instance recommends to its clients: Dataverse sends it as the
 * `x-ms-dop-hint` header of its answers, and Microsoft asks clients sending many requests to follow it
 * rather than a fixed number ("Send parallel requests"). The environment's resources change over time,
 * so the latest answer counts. The durable queue sends at most this many requests at once to the
 * instance (and never more than `queue.concurrency`); the reconciler's hydrations stay within it too.
 */
import type { ResilienceLogger } from './ResilienceLogger';

/** What the queue, the reconciler and the metrics read of it: the latest hint, undefined while none came. */
export type ParallelismHint = Pick<RecommendedParallelism, 'value'>;

/** Requests to have under way at once: the configured ceiling, lowered to the latest hint when there is one. */
export function withinHint(ceiling: number, hint: ParallelismHint | undefined): number {
  return Math.min(ceiling, hint?.value ?? ceiling);
}

export class RecommendedParallelism {
  private hint: number | undefined;

  constructor(
    private readonly instance: string,
    private readonly logger?: ResilienceLogger,
  ) {}

  /** The latest hint, or undefined while the instance has sent none. */
  get value(): number | undefined {
    return this.hint;
  }

  /** Takes the hint of one answer (undefined: the answer carried none, which changes nothing). */
  observe(hint: number | undefined): void {
    if (hint === undefined || hint === this.hint) return;
    const previous = this.hint;
    this.hint = hint;
    this.logger?.info({ instance: this.instance, dopHint: hint, previous }, 'the instance recommends a new degree of parallelism (x-ms-dop-hint)');
  }
}
