/**
 * `npm start` as a process manager runs it: SIGTERM or SIGINT sent to the PID of `npm start` itself
 * stops the service (exit 0, nothing left running), and the port and the data folder are free again;
 * a start on a port in use fails naming the setting, and stores no key.
 * The embedded default on free ports (PORT=0, DVE_INSTANCE_{A,B}_LOCAL_PORT=0) in a fresh data folder.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { descendantsOf, killLeftovers, spawnService, stillRunning } from './serviceProcess';

jest.setTimeout(240_000);

const ROOT = resolve(__dirname, '../../..');
let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'dve-npm-start-'));
});
afterEach(() => killLeftovers());
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function npmStart() {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0', DVE_INSTANCE_A_LOCAL_PORT: '0', DVE_INSTANCE_B_LOCAL_PORT: '0', LOG_LEVEL: 'info', LOG_FORMAT: 'json' };
  // The repository's own configuration file must not apply; jest's variables neither.
  delete env['CONFIG_FILE'];
  delete env['NODE_OPTIONS'];
  return spawnService('npm', ['start'], { cwd: ROOT, env });
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePort(true)));
  });
}

async function expectStopsOn(signal: 'SIGTERM' | 'SIGINT') {
  const service = await npmStart();
  expect((await fetch(`${service.url}/health`)).status).toBe(200);
  const npmPid = service.child.pid!;
  const descendants = descendantsOf(npmPid);
  // npm → node, nothing in between that would swallow the signal.
  expect(descendants.length).toBeGreaterThan(0);

  process.kill(npmPid, signal);
  const exit = await service.exited;
  expect(exit).toEqual({ code: 0, signal: null });
  expect(service.output()).toContain(`${signal}: stopping`);
  expect(stillRunning(descendants)).toEqual([]);
  expect(await portIsFree(Number(new URL(service.url).port))).toBe(true);
  return service.output();
}

it('SIGTERM to the npm PID stops the service: exit 0, no process left, the port free', async () => {
  const output = await expectStopsOn('SIGTERM');
  // A first start says what it is doing while it does it: one line per phase, before the banner.
  const messages = output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { msg: string }).msg);
  const phases = [/^starting: local Dataverse a, local Dataverse b, queue database \(PGlite in /, /^local Dataverse a ready on /, /^local Dataverse b ready on /, /^queue database ready \(/, /^core ready: /, /^dataverse-ensure started: listening on http/];
  for (const phase of phases) expect(messages.filter((message) => phase.test(message))).toHaveLength(1);
  const at = (phase: RegExp) => messages.findIndex((message) => phase.test(message));
  expect(at(phases[0]!)).toBe(0);
  expect(Math.max(at(phases[1]!), at(phases[2]!), at(phases[3]!))).toBeLessThan(at(phases[4]!));
  expect(at(phases[4]!)).toBeLessThan(at(phases[5]!));
  // The databases' lines come before the banner (JSON lines are written asynchronously, so the very
  // last one may follow it on a pipe).
  expect(output.indexOf('core ready')).toBeLessThan(output.indexOf('Dataverse Ensure API:'));
});

it('SIGINT to the npm PID does the same, and the data folder is free for the next start', async () => {
  // Starts on the folder the SIGTERM test left: its locks were released.
  await expectStopsOn('SIGINT');
  const again = await npmStart();
  expect((await fetch(`${again.url}/health`)).status).toBe(200);
  process.kill(again.child.pid!, 'SIGTERM');
  expect(await again.exited).toEqual({ code: 0, signal: null });
});

it('a first start on a port in use exits 1 naming PORT, and stores no key', async () => {
  const blocker = createServer();
  await new Promise<void>((resolveListen) => blocker.listen(0, '127.0.0.1', resolveListen));
  const port = (blocker.address() as { port: number }).port;
  const fresh = mkdtempSync(join(tmpdir(), 'dve-npm-start-busy-'));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: fresh, PORT: String(port), DVE_INSTANCE_A_LOCAL_PORT: '0', DVE_INSTANCE_B_LOCAL_PORT: '0' };
    delete env['CONFIG_FILE'];
    const failed = spawnService('npm', ['start'], { cwd: ROOT, env });
    await expect(failed).rejects.toThrow(`dataverse-ensure: PORT=${port} is in use on 127.0.0.1`);
    expect(existsSync(join(fresh, 'api-keys.json'))).toBe(false);
  } finally {
    await new Promise((resolveClose) => blocker.close(resolveClose));
    rmSync(fresh, { recursive: true, force: true });
  }
});
