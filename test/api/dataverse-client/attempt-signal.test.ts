/**
 * A signal given to the hook's `attempt` aborts that HTTP exchange — the socket, not only the wait —
 * so a resilience timeout frees the connection at once instead of after the transport's own timeout.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TransientError, WebApiClient } from '../../../api/src/dataverse';
import { createResilientHooks } from '../../../api/src/resilience';

const run = promisify(execFile);
let server: Server;
let url: string;
const closed: Array<Promise<void>> = [];

beforeAll(async () => {
  // Accepts requests and never answers; tells when the client goes away.
  server = createServer((request: IncomingMessage) => {
    closed.push(new Promise((resolve) => request.socket.once('close', () => resolve())));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test('an aborted attempt closes its connection and fails as transient', async () => {
  const client = new WebApiClient({ url, timeoutMs: 60_000, hooks: { wrap: (_request, attempt) => attempt(AbortSignal.timeout(100)) } });
  const started = Date.now();
  await expect(client.query('accounts', { top: 1 })).rejects.toBeInstanceOf(TransientError);
  expect(Date.now() - started).toBeLessThan(10_000); // far below the 60 s transport timeout
  await closed[0];
  await client.close();
});

test("the resilience policy's per-attempt timeout aborts the socket", async () => {
  const resilience = createResilientHooks('silent', { maxAttempts: 1, attemptTimeoutMs: 150 });
  const client = new WebApiClient({ url, timeoutMs: 60_000, hooks: resilience.hooks });
  const before = closed.length;
  await expect(client.query('accounts', { top: 1 })).rejects.toThrow(/no answer within 150 ms/);
  expect(closed.length).toBe(before + 1);
  await closed[before]; // resolves only if the client closed the socket
  await client.close();
});

test("the transport's own timeout aborts the socket and fails as transient", async () => {
  const client = new WebApiClient({ url, timeoutMs: 150 });
  const before = closed.length;
  await expect(client.query('accounts', { top: 1 })).rejects.toThrow(/no answer within the timeout/);
  await closed[before]; // resolves only if the client closed the socket
  await client.close();
});

test('many concurrent requests through the policy hang no listeners on a shared signal', async () => {
  // Its own process: Node's MaxListenersExceededWarning goes to stderr, out of a jest test's sight.
  const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'concurrentRequests.ts')], { timeout: 60_000 });
  expect(stdout).toContain('done 40');
  expect(stderr).not.toMatch(/MaxListenersExceeded|memory leak/);
});
