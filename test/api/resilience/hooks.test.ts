/**
 * The hooks on their own, with scripted attempts instead of HTTP: cases the local Dataverse cannot
 * produce (a 503 carrying Retry-After), errors that are not Dataverse's, and the transition logs.
 */
import pino from 'pino';
import { TransientError } from '../../../api/src/dataverse/DataverseErrors';
import { parseDopHint, type DataverseRequestDescription } from '../../../api/src/dataverse/DataverseHttpTransport';
import { CircuitOpenError, createResilientHooks } from '../../../api/src/resilience';
import { FAST_SETTINGS, failureOf, sleep } from './resilienceFixture';

const request: DataverseRequestDescription = { operation: 'retrieve', method: 'GET', url: 'http://127.0.0.1:1/api/data/v9.2/accounts(1)?$select=name' };
const unavailable = (retryAfterMs?: number) =>
  new TransientError({ status: 503, message: 'Service Unavailable', request: { method: 'GET', path: '/api/data/v9.2/accounts(1)' }, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });

/** An attempt that fails with the scripted errors, then succeeds; records when it was called. */
function scripted(errors: Error[]) {
  const calls: number[] = [];
  const attempt = async () => {
    calls.push(Date.now());
    const error = errors.shift();
    if (error) throw error;
    return 'ok';
  };
  return { attempt, calls };
}

it('a 503 with Retry-After opens the circuit at once for that long and the retry waits it out', async () => {
  const { hooks, breaker } = createResilientHooks('b', { ...FAST_SETTINGS, breaker: { kind: 'consecutive', threshold: 5 } });
  const { attempt, calls } = scripted([unavailable(300)]);

  const pending = hooks.wrap!(request, attempt);
  await sleep(20);
  expect(breaker.state()).toBe('open');
  const refused = await failureOf(hooks.wrap!(request, async () => 'never sent'));
  expect(refused).toBeInstanceOf(CircuitOpenError);
  expect((refused as CircuitOpenError).request).toEqual({ method: 'GET', path: '/api/data/v9.2/accounts(1)?$select=name' });

  await expect(pending).resolves.toBe('ok');
  expect(calls).toHaveLength(2);
  expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(300);
  expect(breaker.state()).toBe('closed');
});

it('an error that is not a Dataverse failure passes through untouched, once, without counting', async () => {
  const { hooks, breaker } = createResilientHooks('b', { ...FAST_SETTINGS, breaker: { kind: 'consecutive', threshold: 1 } });
  const bug = new TypeError('a bug in the caller');
  const { attempt, calls } = scripted([bug]);

  await expect(hooks.wrap!(request, attempt)).rejects.toBe(bug);
  expect(calls).toHaveLength(1);
  expect(breaker.state()).toBe('closed');
});

it('logs the transitions with the instance name: open at warn, half-open and closed at info', async () => {
  const lines: { level: string; details: Record<string, unknown>; message: string }[] = [];
  const log = (level: string) => (details: object, message: string) => lines.push({ level, details: details as Record<string, unknown>, message });
  const logger = { debug: log('debug'), info: log('info'), warn: log('warn') };
  const { hooks } = createResilientHooks('b', { ...FAST_SETTINGS, maxAttempts: 1, halfOpenAfterMs: 50, breaker: { kind: 'consecutive', threshold: 1 } }, logger);

  await failureOf(hooks.wrap!(request, scripted([unavailable()]).attempt));
  await sleep(60);
  await hooks.wrap!(request, scripted([]).attempt);

  const transitions = lines.filter((l) => l.level !== 'debug').map((l) => [l.level, l.details.state, l.details.instance]);
  expect(transitions).toEqual([
    ['warn', 'open', 'b'],
    ['info', 'half-open', 'b'],
    ['info', 'closed', 'b'],
  ]);
  expect(lines[0]!.details.reason).toMatch(/Service Unavailable/);
});

it('takes a pino logger as it is', async () => {
  const chunks: string[] = [];
  const logger = pino({ level: 'info' }, { write: (chunk: string) => chunks.push(chunk) });
  const { hooks } = createResilientHooks('b', { ...FAST_SETTINGS, maxAttempts: 1, breaker: { kind: 'consecutive', threshold: 1 } }, logger);

  await failureOf(hooks.wrap!(request, scripted([unavailable()]).attempt));

  const line = JSON.parse(chunks[0]!) as Record<string, unknown>;
  expect(line).toMatchObject({ level: 40, instance: 'b', state: 'open', previous: 'closed', msg: expect.stringMatching(/circuit opened/) });
});

it('keeps the latest x-ms-dop-hint of the answers (answers without one change nothing); parses only whole positive numbers', () => {
  const { hooks, parallelism } = createResilientHooks('b', FAST_SETTINGS);
  expect(parallelism.value).toBeUndefined();
  const answer = (dopHint?: number) => hooks.onResponse!(request, { status: 200, durationMs: 1, error: undefined, ...(dopHint === undefined ? {} : { dopHint }) });
  answer(12);
  expect(parallelism.value).toBe(12);
  answer(undefined);
  expect(parallelism.value).toBe(12);
  answer(4);
  expect(parallelism.value).toBe(4);

  expect(parseDopHint('8')).toBe(8);
  expect(parseDopHint(' 50 ')).toBe(50);
  for (const bad of [null, '', '0', '-3', '2.5', 'eight', '1e3', '99999']) expect(parseDopHint(bad)).toBeUndefined();
});
