/**
 * The degree of parallelism an instance recommends to its clients: Dataverse sends it as the
 * `x-ms-dop-hint` header of its answers, and Microsoft asks clients sending many requests to follow it
 * rather than a fixed number ("Send parallel requests"). The environment's resources change over time,
 * so the latest answer counts. The hint is per caller (application user): with several identities the
 * instance's value is the sum of each identity's latest hint. The durable queue sends at most this many
 * requests at once to the instance (and never more than `queue.concurrency`); the reconciler's
 * hydrations stay within it too.
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
  /** Each identity's latest hint, by its label (`''` when the answer named none). */
  private readonly hints = new Map<string, number>();

  constructor(
    private readonly instance: string,
    private readonly logger?: ResilienceLogger,
  ) {}

  /** The latest hint, or undefined while the instance has sent none. */
  get value(): number | undefined {
    return this.hint;
  }

  /** Takes the hint of one answer to `identity` (undefined: the answer carried none, which changes nothing). */
  observe(hint: number | undefined, identity = ''): void {
    if (hint === undefined || this.hints.get(identity) === hint) return;
    this.hints.set(identity, hint);
    const previous = this.hint;
    let sum = 0;
    for (const value of this.hints.values()) sum += value;
    this.hint = sum;
    this.logger?.info(
      { instance: this.instance, dopHint: sum, previous, ...(identity === '' ? {} : { identity, identityDopHint: hint }) },
      'the instance recommends a new degree of parallelism (x-ms-dop-hint)',
    );
  }
}
