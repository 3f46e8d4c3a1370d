/**
 * The retry part of the per-instance policy, over real HTTP against the local Dataverse: transient
 * faults are retried until success, answers about the request never are, Retry-After is honoured to
 * the millisecond of the request log, and a slow attempt times out.
 */
import { randomUUID } from 'node:crypto';
import {
  BusinessRuleError,
  ConcurrencyMismatchError,
  DuplicateRecordError,
  NotFoundError,
  ThrottledError,
  TransientError,
} from '../../../api/src/dataverse/DataverseErrors';
import { CircuitOpenError } from '../../../api/src/resilience';
import { FAST_SETTINGS, ResilienceFixture, failureOf, sleep } from './resilienceFixture';

const fixture = new ResilienceFixture();
const uniqueNumber = (prefix: string) => `${prefix}${randomUUID().slice(0, 8)}`;

beforeAll(() => fixture.start());
afterAll(() => fixture.stop());
beforeEach(async () => {
  await fixture.setFault('none');
  await fixture.resetStats();
});

describe('transient faults are retried', () => {
  it('retries 503s until the target answers, then returns its answer', async () => {
    const { client, resilience } = fixture.client({ ...FAST_SETTINGS, maxAttempts: 10, breaker: { kind: 'consecutive', threshold: 100 } });
    const retries: number[] = [];
    resilience.on('retry', (event) => {
      retries.push(event.attempt);
      if (event.attempt === 2) void fixture.setFault('none'); // the target recovers after the second retry
    });
    const since = Date.now();
    await fixture.setFault('unavailable');

    const created = await client.create('accounts', { name: 'Retried' });

    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    const log = await fixture.requestsSince(since);
    expect(log.length).toBeGreaterThanOrEqual(3);
    expect(log.slice(0, -1).every((r) => r.status === 503)).toBe(true);
    expect(log.at(-1)?.status).toBe(204);
    expect(retries.slice(0, 2)).toEqual([1, 2]);
    expect(resilience.breaker.state()).toBe('closed');
  });

  it('gets every write through a flaky target (30 % of requests answer 503), each applied once', async () => {
    const { client } = fixture.client({ ...FAST_SETTINGS, maxAttempts: 10, breaker: { kind: 'consecutive', threshold: 1000 } });
    const numbers = Array.from({ length: 30 }, () => uniqueNumber('F-'));
    await fixture.setFault('flaky', { failureRate: 0.3 });

    for (const accountnumber of numbers) await client.upsert('accounts', { accountnumber }, { name: `Flaky ${accountnumber}` });

    const attempts = await fixture.requestCount();
    await fixture.setFault('none');
    expect(attempts).toBeGreaterThan(numbers.length); // some were retried (all 30 first tries passing: p = 0.7^30 ≈ 2e-5)
    const rows = await fixture.plainClient().query('accounts', { select: ['accountnumber'], filter: `startswith(accountnumber,'F-')` });
    const written = rows.records.map((r) => r.accountnumber).filter((n) => numbers.includes(n as string));
    expect(written.sort()).toEqual([...numbers].sort());
  });

  it('gives up after maxAttempts with the last transient error', async () => {
    const { client, resilience } = fixture.client({ ...FAST_SETTINGS, maxAttempts: 3, breaker: { kind: 'consecutive', threshold: 100 } });
    const gaveUp: unknown[] = [];
    resilience.on('giveUp', (event) => gaveUp.push(event.error));
    await fixture.setFault('unavailable');

    const error = await failureOf(client.retrieve('accounts', randomUUID()));

    expect(error).toBeInstanceOf(TransientError);
    expect(error).not.toBeInstanceOf(CircuitOpenError);
    expect((error as TransientError).status).toBe(503);
    expect(await fixture.requestCount()).toBe(3);
    expect(gaveUp).toEqual([error]);
  });

  it('times an attempt out after attemptTimeoutMs and retries it as a transient failure', async () => {
    const { client } = fixture.client({ ...FAST_SETTINGS, maxAttempts: 2, attemptTimeoutMs: 100, breaker: { kind: 'consecutive', threshold: 100 } });
    await fixture.setFault('slow', { latencyMs: 400 });

    const started = performance.now();
    const error = await failureOf(client.retrieve('accounts', randomUUID()));
    const elapsed = performance.now() - started;

    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/no answer within 100 ms/);
    expect(elapsed).toBeLessThan(700); // cut short: waiting the two answers out would take ≥ 800 ms
    expect(await fixture.requestCount()).toBe(2);
    // The server still answers the abandoned attempts: let it, so they do not land in the next test's log.
    while ((await fixture.requestsSince(0)).length < 2) await sleep(20);
  });
});

describe('answers about the request are never retried and never open the circuit', () => {
  it('404, 412 (duplicate, stale version) and 400 each reach Dataverse once', async () => {
    const { client, resilience } = fixture.client({ ...FAST_SETTINGS, maxAttempts: 5, breaker: { kind: 'consecutive', threshold: 2 } });
    const retries: unknown[] = [];
    resilience.on('retry', (event) => retries.push(event.error));
    const id = randomUUID();
    await fixture.plainClient().create('accounts', { accountid: id, name: 'Existing' });
    await fixture.resetStats();

    await expect(client.retrieve('accounts', randomUUID())).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.create('accounts', { accountid: id, name: 'Again' })).rejects.toBeInstanceOf(DuplicateRecordError);
    await expect(client.upsert('accounts', id, { name: 'Stale' }, { condition: { etag: 'W/"1"' } })).rejects.toBeInstanceOf(ConcurrencyMismatchError);
    await expect(client.create('accounts', { name: 'Bad', nosuchcolumn: 1 })).rejects.toBeInstanceOf(BusinessRuleError);
    await expect(client.retrieve('accounts', randomUUID())).rejects.toBeInstanceOf(NotFoundError);

    expect(await fixture.requestCount()).toBe(5);
    expect(retries).toEqual([]);
    expect(resilience.breaker.state()).toBe('closed'); // five failures in a row, threshold 2: none counted
  });
});

describe('Retry-After is honoured', () => {
  it('429 with Retry-After 2: no request reaches Dataverse before 2 s, other callers fail fast meanwhile', async () => {
    const { client, resilience } = fixture.client({ ...FAST_SETTINGS, maxAttempts: 3 });
    const id = randomUUID();
    await fixture.plainClient().create('accounts', { accountid: id, name: 'Throttled' });
    await fixture.resetStats(); // the request log starts here
    await fixture.setFault('throttle', { retryAfterSeconds: 2 });

    const pending = client.retrieve('accounts', id, { select: ['name'] });
    while (resilience.breaker.state() !== 'open') await sleep(5);
    const openUntil = resilience.breaker.openUntil!.getTime();
    expect(openUntil - Date.now()).toBeGreaterThan(1_500);
    expect(openUntil - Date.now()).toBeLessThanOrEqual(2_000);

    // While the circuit is open for the Retry-After, other requests are refused without being sent.
    const refused = await Promise.all(Array.from({ length: 10 }, () => failureOf(client.retrieve('accounts', id))));
    for (const error of refused) {
      expect(error).toBeInstanceOf(CircuitOpenError);
      expect((error as CircuitOpenError).circuit).toBe('open');
      expect((error as CircuitOpenError).retryAfterMs).toBeGreaterThan(1_000);
      expect((error as CircuitOpenError).retryAfterMs).toBeLessThanOrEqual(2_000);
    }
    await sleep(200);
    await fixture.setFault('none');

    const record = await pending;

    expect(record.name).toBe('Throttled');
    const log = await fixture.requestsSince(0);
    expect(log.map((r) => r.status)).toEqual([429, 200]);
    expect(log[1]!.at - log[0]!.at).toBeGreaterThanOrEqual(2_000);
    expect(resilience.breaker.state()).toBe('closed');
  });

  it('a Retry-After longer than maxRetryAfterMs ends the retries at once; the circuit stays open for it', async () => {
    const { client, resilience } = fixture.client({ ...FAST_SETTINGS, maxAttempts: 5, maxRetryAfterMs: 1_000 });
    await fixture.setFault('throttle', { retryAfterSeconds: 2 });

    const started = performance.now();
    const error = await failureOf(client.retrieve('accounts', randomUUID()));

    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterMs).toBe(2_000);
    expect(performance.now() - started).toBeLessThan(500);
    expect(await fixture.requestCount()).toBe(1);
    expect(resilience.breaker.state()).toBe('open');
    const refused = await failureOf(client.retrieve('accounts', randomUUID()));
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect((refused as CircuitOpenError).retryAfterMs).toBeGreaterThan(1_000);
    expect(await fixture.requestCount()).toBe(1);
  });
});
