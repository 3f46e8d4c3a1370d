/**
 * The circuit breaker of the per-instance policy, over real HTTP against the local Dataverse: it opens
 * after the threshold, then refuses requests without sending them, probes after the cool-down, closes
 * when the target is back, and can be isolated by hand.
 */
import { randomUUID } from 'node:crypto';
import { TransientError } from '../../../api/src/dataverse/DataverseErrors';
import { CircuitOpenError, type BreakerState } from '../../../api/src/resilience';
import { FAST_SETTINGS, ResilienceFixture, failureOf, sleep } from './resilienceFixture';

const fixture = new ResilienceFixture();

beforeAll(() => fixture.start());
afterAll(() => fixture.stop());
beforeEach(async () => {
  await fixture.setFault('none');
  await fixture.resetStats();
});

describe.each(['unavailable', 'down'] as const)('target %s', (mode) => {
  it('opens after the threshold, fails fast without sending, probes after the cool-down and closes when the target is back', async () => {
    // 2 attempts per call, circuit opens at the 3rd failed attempt in a row, probe after 300 ms
    const { client, resilience } = fixture.client({ ...FAST_SETTINGS, maxAttempts: 2, halfOpenAfterMs: 300, breaker: { kind: 'consecutive', threshold: 3 } });
    const states: BreakerState[] = [];
    resilience.on('stateChange', (event) => states.push(event.state));
    const id = randomUUID();
    await fixture.plainClient().create('accounts', { accountid: id, name: 'Probe' });
    await fixture.setFault(mode);
    await fixture.resetStats();

    const first = await failureOf(client.retrieve('accounts', id));
    expect(first).toBeInstanceOf(TransientError);
    expect(first).not.toBeInstanceOf(CircuitOpenError);
    expect(await fixture.requestCount()).toBe(2);
    expect(resilience.breaker.state()).toBe('closed');

    const second = await failureOf(client.retrieve('accounts', id));
    expect(second).not.toBeInstanceOf(CircuitOpenError); // the attempt that opened the circuit keeps its own error
    expect(await fixture.requestCount()).toBe(3); // opened on the 3rd failure: not retried into the open circuit
    expect(resilience.breaker.state()).toBe('open');
    expect(resilience.breaker.openUntil!.getTime()).toBeGreaterThan(Date.now());

    // Open: 50 calls refused locally — none reaches the server.
    const started = performance.now();
    for (let i = 0; i < 50; i++) {
      const refused = await failureOf(client.retrieve('accounts', id));
      expect(refused).toBeInstanceOf(CircuitOpenError);
      expect((refused as CircuitOpenError).instance).toBe('b');
      expect((refused as CircuitOpenError).retryAfterMs).toBeLessThanOrEqual(300);
    }
    expect((performance.now() - started) / 50).toBeLessThan(20);
    expect(await fixture.requestCount()).toBe(3);

    // Cool-down over, target still failing: the one probe fails and the circuit opens again.
    await sleep(320);
    expect(resilience.breaker.state()).toBe('half-open');
    expect(await failureOf(client.retrieve('accounts', id))).toBeInstanceOf(TransientError);
    expect(await fixture.requestCount()).toBe(4);
    expect(resilience.breaker.state()).toBe('open');

    // Target back: after the cool-down the probe succeeds and closes the circuit.
    await fixture.setFault('none');
    await expect(client.retrieve('accounts', id)).rejects.toBeInstanceOf(CircuitOpenError);
    await sleep(320);
    const record = await client.retrieve('accounts', id, { select: ['name'] });
    expect(record.name).toBe('Probe');
    expect(resilience.breaker.state()).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
    expect(await fixture.requestCount()).toBe(5);
  });
});

describe('manual isolate', () => {
  it('refuses every request until every handle is released, then lets them through', async () => {
    const { client, resilience } = fixture.client();
    const id = randomUUID();
    await client.create('accounts', { accountid: id, name: 'Isolated' });
    await fixture.resetStats();

    const first = resilience.breaker.isolate();
    const second = resilience.breaker.isolate();
    expect(resilience.breaker.state()).toBe('isolated');
    const refused = await failureOf(client.retrieve('accounts', id));
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect((refused as CircuitOpenError).circuit).toBe('isolated');
    expect((refused as CircuitOpenError).retryAfterMs).toBeUndefined();

    first.release();
    first.release(); // harmless
    expect(resilience.breaker.state()).toBe('isolated');
    await expect(client.retrieve('accounts', id)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(await fixture.requestCount()).toBe(0);

    second.release();
    expect(resilience.breaker.state()).toBe('closed');
    await expect(client.retrieve('accounts', id)).resolves.toMatchObject({ name: 'Isolated' });
    expect(await fixture.requestCount()).toBe(1);
  });
});

describe('sampling breaker', () => {
  it('opens once the failure share over the window passes the threshold at the minimum rate', async () => {
    const { client, resilience } = fixture.client({
      ...FAST_SETTINGS,
      maxAttempts: 1,
      breaker: { kind: 'sampling', threshold: 0.5, windowMs: 1_000, minimumRps: 5 },
    });
    await fixture.setFault('unavailable');

    const outcomes: unknown[] = [];
    for (let i = 0; i < 10; i++) outcomes.push(await failureOf(client.retrieve('accounts', randomUUID())));

    // 5 requests in the 1 s window are needed before it may open; all failed, so it opens at the 5th.
    expect(outcomes.slice(0, 5).every((e) => e instanceof TransientError && !(e instanceof CircuitOpenError))).toBe(true);
    expect(outcomes.slice(5).every((e) => e instanceof CircuitOpenError)).toBe(true);
    expect(await fixture.requestCount()).toBe(5);
    expect(resilience.breaker.state()).toBe('open');
  });
});

describe('events and snapshot', () => {
  it('reports why the circuit opened and until when, for /ready', async () => {
    const { client, resilience } = fixture.client({ ...FAST_SETTINGS, maxAttempts: 1, breaker: { kind: 'consecutive', threshold: 1 } });
    expect(resilience.breaker.snapshot()).toEqual({ state: 'closed' });
    await fixture.setFault('unavailable');

    await failureOf(client.retrieve('accounts', randomUUID()));

    const snapshot = resilience.breaker.snapshot();
    expect(snapshot.state).toBe('open');
    expect(Date.parse(snapshot.openUntil!)).toBeGreaterThan(Date.now());
    expect(snapshot.lastFailure).toMatch(/temporarily unavailable/);
  });
});
