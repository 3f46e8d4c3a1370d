/**
 * The per-identity rate limiter (IdentityPool + IdentityState) on a fake clock: the concurrency cap
 * follows the dop hint and `maxConcurrent`, waiting is FIFO and abortable, a low remaining budget
 * paces an identity, a 429 moves the request to another identity, and only when every identity rests
 * does the 429 go up. Orders and counts only, never wall time.
 */
import { ThrottledError } from '../../../api/src/dataverse/DataverseErrors';
import { NoTokenProvider } from '../../../api/src/dataverse/auth/TokenProvider';
import { IdentityPool, type PoolClock } from '../../../api/src/dataverse/identities/IdentityPool';
import { DEFAULT_PACING, IdentityState, type PacingRule } from '../../../api/src/dataverse/identities/IdentityState';

class FakeClock implements PoolClock {
  time = 1_000_000;
  readonly timers: { at: number; callback: () => void; cancelled: boolean }[] = [];
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, ms: number): { cancel(): void } {
    const timer = { at: this.time + ms, callback, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }
  get active(): number {
    return this.timers.filter((timer) => !timer.cancelled && timer.at >= 0).length;
  }
  advance(ms: number): void {
    this.time += ms;
    for (const timer of this.timers.filter((t) => !t.cancelled && t.at <= this.time).sort((a, b) => a.at - b.at)) {
      timer.cancelled = true;
      timer.callback();
    }
  }
}

interface Exchange {
  readonly label: string;
  readonly identity: string;
  readonly finish: (budget?: { burst?: number; time?: number; dop?: number }) => void;
  readonly fail: (error: unknown) => void;
}

function setUp(names: string[], options: { maxConcurrent?: number[]; pacing?: PacingRule } = {}) {
  const clock = new FakeClock();
  const states = names.map((name, index) => new IdentityState(name, new NoTokenProvider(), options.maxConcurrent?.[index] ?? 52, options.pacing ?? DEFAULT_PACING));
  const pool = new IdentityPool(states, clock);
  const started: Exchange[] = [];
  /** A request whose exchanges wait until the test finishes or fails them. */
  const run = (label: string, signal?: AbortSignal) =>
    pool.run(
      (identity) =>
        new Promise<string>((resolve, reject) => {
          started.push({
            label,
            identity: identity.name,
            finish: (budget = {}) => {
              pool.observe(identity, (state) => state.observe(budget.dop, { burstRemaining: budget.burst, timeRemainingMs: budget.time }));
              resolve(`${label}@${identity.name}`);
            },
            fail: reject,
          });
        }),
      signal,
    );
  const byName = (name: string) => states.find((state) => state.name === name)!;
  return { clock, pool, started, run, byName };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const throttled = (retryAfterMs: number | undefined) =>
  new ThrottledError({ status: 429, code: '0x80072322', message: 'Number of requests exceeded the limit', request: { method: 'GET', path: '/x' }, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });

describe('concurrency per identity', () => {
  it('never more under way than the latest x-ms-dop-hint; the rest wait and start in arrival order', async () => {
    const { started, run } = setUp(['1']);
    const first = run('first');
    await settle();
    started[0]!.finish({ dop: 2 });
    await first;
    const results = ['a', 'b', 'c', 'd', 'e'].map((label) => run(label));
    await settle();
    expect(started.slice(1).map((exchange) => exchange.label)).toEqual(['a', 'b']);
    started[2]!.finish(); // b ends: c starts, not d
    await settle();
    expect(started.slice(1).map((exchange) => exchange.label)).toEqual(['a', 'b', 'c']);
    started[1]!.finish({ dop: 4 }); // a larger hint frees more slots at once
    await settle();
    expect(started.slice(1).map((exchange) => exchange.label)).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const exchange of started.slice(3)) exchange.finish();
    expect(await Promise.all(results)).toEqual(['a@1', 'b@1', 'c@1', 'd@1', 'e@1']);
  });

  it('holds to the configured maxConcurrent (at most 52) and sets no timer while unconstrained', async () => {
    const { started, run, clock } = setUp(['1'], { maxConcurrent: [3] });
    const results = Array.from({ length: 60 }, (_, index) => run(String(index)));
    await settle();
    expect(started).toHaveLength(3);
    let rounds = 0;
    while (started.length > 0) {
      expect(started.length).toBeLessThanOrEqual(3);
      for (const exchange of started.splice(0)) exchange.finish();
      await settle();
      rounds++;
    }
    expect(rounds).toBe(20);
    expect(await Promise.all(results)).toHaveLength(60);
    expect(clock.timers).toHaveLength(0);
  });

  it('a waiting request leaves the line when its signal aborts; the next in line gets the slot', async () => {
    const { started, run } = setUp(['1'], { maxConcurrent: [1] });
    const controller = new AbortController();
    const first = run('first');
    const aborted = run('aborted', controller.signal);
    const third = run('third');
    await settle();
    controller.abort(new Error('gave up waiting'));
    await expect(aborted).rejects.toThrow('gave up waiting');
    started[0]!.finish();
    await settle();
    expect(started.map((exchange) => exchange.label)).toEqual(['first', 'third']);
    started[1]!.finish();
    await expect(Promise.all([first, third])).resolves.toEqual(['first@1', 'third@1']);
  });
});

describe('pacing by the remaining budget', () => {
  it('burst remaining low: one request at a time, spaced out, until an answer shows the budget back', async () => {
    const { started, run, clock, byName } = setUp(['1']);
    const first = run('first');
    await settle();
    started[0]!.finish({ burst: 3 }); // at most 0 under way + 5 in reserve: paced
    await first;
    expect(byName('1').snapshot(clock.now()).paced).toBe(true);
    const results = ['a', 'b', 'c'].map((label) => run(label));
    await settle();
    expect(started.map((exchange) => exchange.label)).toEqual(['first', 'a']); // one at a time
    started[1]!.finish({ burst: 2 });
    await settle();
    expect(started).toHaveLength(2); // spaced: b waits for the pacing interval
    expect(clock.active).toBe(1);
    clock.advance(DEFAULT_PACING.pacedIntervalMs - 1);
    await settle();
    expect(started).toHaveLength(2);
    clock.advance(1);
    await settle();
    expect(started.map((exchange) => exchange.label)).toEqual(['first', 'a', 'b']);
    started[2]!.finish({ burst: 5_000 }); // the window recovered: c starts at once
    await settle();
    expect(started.map((exchange) => exchange.label)).toEqual(['first', 'a', 'b', 'c']);
    started[3]!.finish();
    await Promise.all(results);
  });

  it('time remaining low paces the same way; the thresholds count the requests under way', async () => {
    const { started, run, byName, clock } = setUp(['1']);
    const first = run('first');
    await settle();
    started[0]!.finish({ time: 10_000, burst: 5_900 }); // ≤ (0 + 5) × 2,000 ms
    await first;
    expect(byName('1').snapshot(clock.now()).paced).toBe(true);
    const state = byName('1');
    state.observe(undefined, { burstRemaining: 20, timeRemainingMs: 1_000_000 });
    state.underWay = 14;
    expect(state.isPaced()).toBe(false); // 20 > 14 + 5
    state.underWay = 15;
    expect(state.isPaced()).toBe(true);
    state.underWay = 0;
  });
});

describe('several identities', () => {
  it('spreads requests: fewest under way, then most burst remaining, round-robin among equals', async () => {
    const { started, run, byName } = setUp(['1', '2', '3']);
    const results = ['a', 'b', 'c', 'd'].map((label) => run(label));
    await settle();
    expect(started.map((exchange) => exchange.identity)).toEqual(['1', '2', '3', '1']);
    byName('1').observe(undefined, { burstRemaining: 900, timeRemainingMs: undefined });
    byName('2').observe(undefined, { burstRemaining: 100, timeRemainingMs: undefined });
    started[0]!.finish();
    started[1]!.finish();
    started[3]!.finish();
    await Promise.all([results[0], results[1], results[3]]);
    const more = ['e', 'f'].map((label) => run(label));
    await settle();
    // 1 and 2 have none under way (3 has c): round-robin alone would pick 2 next; 1 has more budget left.
    expect(started.slice(4).map((exchange) => exchange.identity)).toEqual(['1', '2']);
    for (const exchange of started.slice(2)) exchange.finish();
    await Promise.all([...more, results[2]]);
  });

  it('a 429 rests that identity and the request goes out again at once on another; nothing above sees it', async () => {
    const { started, run, byName, clock } = setUp(['1', '2']);
    const result = run('a');
    await settle();
    expect(started[0]!.identity).toBe('1');
    started[0]!.fail(throttled(30_000));
    await settle();
    expect(started.map((exchange) => `${exchange.label}@${exchange.identity}`)).toEqual(['a@1', 'a@2']);
    started[1]!.finish();
    await expect(result).resolves.toBe('a@2');
    expect(byName('1').snapshot(clock.now()).restingForMs).toBe(30_000);
    // While 1 rests, every request goes as 2, even when 2 is the busier one.
    const next = [run('b'), run('c')];
    await settle();
    expect(started.slice(2).map((exchange) => exchange.identity)).toEqual(['2', '2']);
    clock.advance(30_000);
    const after = run('d');
    await settle();
    expect(started[4]!.identity).toBe('1');
    for (const exchange of started.slice(2)) exchange.finish();
    await Promise.all([...next, after]);
  });

  it('when every identity rests, the 429 goes up with the shortest remaining rest', async () => {
    const { started, run, clock } = setUp(['1', '2']);
    const result = run('a');
    await settle();
    started[0]!.fail(throttled(3_000));
    await settle();
    clock.advance(1_000);
    started[1]!.fail(throttled(8_000));
    const error = (await result.catch((e: unknown) => e)) as ThrottledError;
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error.retryAfterMs).toBe(2_000); // identity 1's rest, not the 8 s of the last answer
    expect(error.code).toBe('0x80072322');
  });

  it('with a single identity the 429 goes up unchanged, and the next request is still sent', async () => {
    const { started, run } = setUp(['1']);
    const result = run('a');
    await settle();
    const answer = throttled(7_000);
    started[0]!.fail(answer);
    await expect(result).rejects.toBe(answer);
    const next = run('b');
    await settle();
    expect(started.map((exchange) => exchange.label)).toEqual(['a', 'b']);
    started[1]!.finish();
    await expect(next).resolves.toBe('b@1');
  });

  it('a request waiting for a slot starts when a resting identity is free again', async () => {
    const { started, run, clock } = setUp(['1', '2'], { maxConcurrent: [1, 1] });
    const a = run('a');
    await settle();
    started[0]!.fail(throttled(5_000)); // a moves to 2; 1 rests
    await settle();
    const b = run('b');
    await settle();
    expect(started).toHaveLength(2); // 2 is full, 1 rests: b waits, on a timer for 1's rest
    expect(clock.active).toBe(1);
    clock.advance(5_000);
    await settle();
    expect(started.map((exchange) => `${exchange.label}@${exchange.identity}`)).toEqual(['a@1', 'a@2', 'b@1']);
    started[1]!.finish();
    started[2]!.finish();
    await expect(Promise.all([a, b])).resolves.toEqual(['a@2', 'b@1']);
  });
});

describe("holding to the sliding window: budget comes back only as the identity's own requests leave it", () => {
  /** The local Dataverse's window in the benchmark: short enough that a hold is waited out. */
  const WINDOW = 10_000;
  const pacing: PacingRule = { ...DEFAULT_PACING, windowMs: WINDOW };
  const timersAt = (clock: FakeClock) => clock.timers.filter((timer) => !timer.cancelled).map((timer) => timer.at);

  /** Sends one request and answers it at once with `burst` remaining. */
  async function answered(setup: ReturnType<typeof setUp>, label: string, burst: number) {
    const result = setup.run(label);
    await settle();
    setup.started.find((exchange) => exchange.label === label)!.finish({ burst });
    await result;
  }

  it('after a burst that leaves 2, one more goes (1 in reserve); the next starts exactly when the oldest send leaves the window', async () => {
    const setup = setUp(['1'], { pacing });
    const { started, run, clock, byName } = setup;
    const t0 = clock.now();
    await answered(setup, 'a', 4); // sent at t0
    clock.advance(1_000);
    await answered(setup, 'b', 3); // t0 + 1 s
    clock.advance(1_000);
    await answered(setup, 'c', 2); // t0 + 2 s
    expect(byName('1').expectedBudget(clock.now())).toBe(2);
    clock.advance(DEFAULT_PACING.pacedIntervalMs); // paced since a: one at a time, spaced out
    const d = run('d');
    await settle();
    expect(started.map((exchange) => exchange.label)).toEqual(['a', 'b', 'c', 'd']); // 2 > the reserve: sent at once
    started[3]!.finish({ burst: 1 });
    await d;
    const [e, f] = [run('e'), run('f')];
    await settle();
    expect(started).toHaveLength(4); // 1 left: held, not sent into a 429
    expect(timersAt(clock)).toEqual([t0 + WINDOW]); // one timer, for when a leaves the window
    expect(byName('1').snapshot(clock.now())).toMatchObject({ heldForMs: t0 + WINDOW - clock.now(), paced: true });
    clock.advance(t0 + WINDOW - 1 - clock.now());
    await settle();
    expect(started).toHaveLength(4);
    clock.advance(1);
    await settle();
    expect(clock.now()).toBe(t0 + WINDOW);
    expect(started.map((exchange) => exchange.label)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(byName('1').expectedBudget(clock.now())).toBe(1); // 1, plus a given back, less e
    started[4]!.finish({ burst: 1 }); // a left, e came in: still 1
    await e;
    await settle();
    expect(started).toHaveLength(5); // f: held until b leaves, one at a time
    expect(timersAt(clock)).toEqual([t0 + 1_000 + WINDOW]);
    clock.advance(999);
    await settle();
    expect(started).toHaveLength(5);
    clock.advance(1);
    await settle();
    expect(clock.now()).toBe(t0 + 1_000 + WINDOW);
    expect(started.map((exchange) => exchange.label)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    started[5]!.finish({ burst: 5_000 });
    await f;
    expect(clock.timers.filter((timer) => !timer.cancelled)).toHaveLength(0);
  });

  it('a request leaves the window counted from its answer (Dataverse counted it at most then), and requests under way count as spent', async () => {
    const setup = setUp(['1'], { pacing });
    const { started, run, clock, byName } = setup;
    await answered(setup, 'first', 100);
    const t0 = clock.now();
    const burst = ['a', 'b', 'c'].map((label) => run(label)); // 100 left: not paced, all three go
    await settle();
    expect(started).toHaveLength(4);
    clock.advance(500);
    started[1]!.finish({ burst: 2 }); // b and c still under way: maybe not counted yet
    await burst[0];
    expect(byName('1').expectedBudget(clock.now())).toBe(0);
    started[2]!.finish({ burst: 1 });
    started[3]!.finish({ burst: 0 });
    await Promise.all(burst);
    const next = run('next');
    await settle();
    expect(started).toHaveLength(4);
    expect(timersAt(clock)).toEqual([t0 + WINDOW]); // `first`, sent and answered at t0
    clock.advance(t0 + WINDOW - clock.now());
    await settle();
    expect(started).toHaveLength(4); // first left, but 0 + 1 is still within the reserve
    expect(timersAt(clock)).toEqual([t0 + 500 + WINDOW]); // a, sent at t0, answered 500 ms later
    clock.advance(499);
    await settle();
    expect(started).toHaveLength(4);
    clock.advance(1);
    await settle();
    expect(started.map((exchange) => exchange.label)).toEqual(['first', 'a', 'b', 'c', 'next']);
    started[4]!.finish();
    await next;
  });

  it('no hold and no timer while no answer has carried a burst reading', async () => {
    const { started, run, clock, byName } = setUp(['1'], { pacing });
    for (let round = 0; round < 3; round++) {
      const results = Array.from({ length: 20 }, (_, index) => run(`${round}.${index}`));
      await settle();
      expect(started).toHaveLength(20 * (round + 1));
      for (const exchange of started.slice(20 * round)) exchange.finish({ dop: 52 });
      await Promise.all(results);
    }
    expect(byName('1').expectedBudget(clock.now())).toBeUndefined();
    expect(byName('1').snapshot(clock.now())).toMatchObject({ heldForMs: 0, paced: false });
    expect(clock.timers).toHaveLength(0);
  });

  it('a hold longer than maxHoldMs is not waited out: the request goes, and the 429 says how long to rest', async () => {
    const setup = setUp(['1']); // Dataverse's 300 s window
    const { started, run, clock, byName } = setup;
    await answered(setup, 'a', 1);
    expect(byName('1').snapshot(clock.now())).toMatchObject({ heldForMs: 0, paced: true });
    clock.advance(DEFAULT_PACING.pacedIntervalMs);
    const b = run('b');
    await settle();
    expect(started).toHaveLength(2); // a leaves the window only in 300 s: sent, not held
    started[1]!.fail(throttled(60_000));
    await expect(b).rejects.toBeInstanceOf(ThrottledError);
    expect(byName('1').snapshot(clock.now()).restingForMs).toBe(60_000);
    // Within maxHoldMs of a's leaving, the identity holds again rather than send into another 429.
    clock.advance(DEFAULT_PACING.windowMs - DEFAULT_PACING.maxHoldMs - DEFAULT_PACING.pacedIntervalMs);
    expect(byName('1').snapshot(clock.now())).toMatchObject({ restingForMs: 0, heldForMs: DEFAULT_PACING.maxHoldMs });
  });

  it('a 429 still rests the identity for its Retry-After, and the rest outlasts a shorter hold', async () => {
    const setup = setUp(['1'], { pacing });
    const { started, run, clock, byName } = setup;
    await answered(setup, 'a', 2);
    const b = run('b');
    await settle();
    started[1]!.fail(throttled(WINDOW + 60_000));
    await expect(b).rejects.toBeInstanceOf(ThrottledError);
    expect(byName('1').snapshot(clock.now())).toMatchObject({ restingForMs: WINDOW + 60_000 });
    expect(byName('1').canStart(clock.now() + WINDOW)).toBe(false); // a has left the window by then, but the rest goes on
    expect(byName('1').wakeAt(clock.now())).toBe(clock.now() + WINDOW + 60_000);
  });
});
