/**
 * Group commit: at most `maxInFlight` groups under way at once. A member that arrives while fewer are
 * under way is sent at once, alone (an idle caller waits for nothing); otherwise it waits, and each time
 * a group finishes, the members waiting are sent together as the next group (`nextGroup` decides how
 * many fit). Used by the write coalescer (one `$batch` per group) and the core's existence lookups (one
 * query per table per group).
 */

/** How one member of a group ended. */
export type Settled<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

export interface GroupCommitOptions<M, R> {
  /** Groups under way at once (≥ 1). */
  readonly maxInFlight: number;
  /**
   * Indexes into `waiting` (never empty) of the members of the next group, in the order they are to
   * be sent; must include 0, so the oldest member always goes.
   */
  readonly nextGroup: (waiting: readonly M[]) => readonly number[];
  /** Sends one group; settles with one outcome per member, in the group's order. A rejection fails every member. */
  readonly send: (group: readonly M[]) => Promise<readonly Settled<R>[]>;
}

interface Waiting<M, R> {
  readonly member: M;
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommit<M, R> {
  private inFlight = 0;
  private readonly waiting: Waiting<M, R>[] = [];

  constructor(private readonly options: GroupCommitOptions<M, R>) {
    if (!Number.isInteger(options.maxInFlight) || options.maxInFlight < 1) throw new RangeError('maxInFlight is a whole number ≥ 1');
  }

  /** Members waiting for a group (not yet sent). */
  get queued(): number {
    return this.waiting.length;
  }

  run(member: M): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ member, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const picked = this.waiting.length === 1 ? [0] : [...new Set(this.options.nextGroup(this.waiting.map((entry) => entry.member)))];
      if (!picked.includes(0)) picked.unshift(0);
      const group = picked.filter((index) => index >= 0 && index < this.waiting.length).map((index) => this.waiting[index]!);
      const taken = new Set(group);
      for (let i = this.waiting.length - 1; i >= 0; i -= 1) if (taken.has(this.waiting[i]!)) this.waiting.splice(i, 1);
      this.inFlight += 1;
      void this.sendGroup(group).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async sendGroup(group: readonly Waiting<M, R>[]): Promise<void> {
    let outcomes: readonly Settled<R>[];
    try {
      outcomes = await this.options.send(group.map((entry) => entry.member));
    } catch (error) {
      for (const entry of group) entry.reject(error);
      return;
    }
    group.forEach((entry, i) => {
      const outcome = outcomes[i];
      if (outcome === undefined) entry.reject(new Error('group commit: no outcome for a member'));
      else if (outcome.ok) entry.resolve(outcome.value);
      else entry.reject(outcome.error);
    });
  }
}

/** Runs `work` and keeps its outcome (value or error) as a `Settled`. */
export async function settle<R>(work: () => Promise<R>): Promise<Settled<R>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error };
  }
}
