/**
 * The API in its own process, as `npm start` runs it (`node --import tsx api/src/main.ts`), for the
 * tests that kill it (SIGKILL, SIGTERM) or run two replicas. Local Dataverse instances stay in the
 * test process, so they outlive the API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { abConfigInstances } from '../../support/abInstances';
import { seedServiceDataFolder } from '../../support/pgliteTemplate';
import { API_KEY } from './queueFixture';

const MAIN = resolve(__dirname, '../../../api/src/main.ts');

/** Every API process spawned, started or not: tests kill what is left (a failed start included). */
export const spawnedApiProcesses = new Set<ChildProcess>();

export interface ApiProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

/** Writes the configuration both processes of a test share: a and b by URL, short timings. */
export function writeConfig(dir: string, a: string, b: string, queue: Record<string, unknown> = {}): string {
  const file = join(dir, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({
      port: 0,
      logLevel: 'warn',
      queue: { pollIntervalSeconds: 0.2, retryAfterSeconds: 1, leaseSeconds: 10, ...queue },
      reconciler: { enabled: false },
      instances: abConfigInstances(
        { url: a },
        { url: b, resilience: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100, halfOpenAfterMs: 300, attemptTimeoutMs: 5_000, breaker: { kind: 'consecutive', threshold: 3 } } },
      ),
    }),
  );
  return file;
}

export function startApiProcess(configFile: string, dataDir: string, env: Record<string, string> = {}): Promise<ApiProcess> {
  // The queue on PGlite: its cluster copied in unless there is one (no initdb; a restart keeps its data).
  seedServiceDataFolder(dataDir, { queue: env['DATABASE_URL'] === undefined });
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CONFIG_FILE: configFile, DATA_DIR: dataDir, API_KEYS: API_KEY, ...env },
  });
  spawnedApiProcesses.add(child);
  child.once('exit', () => spawnedApiProcesses.delete(child));
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`the API did not start within 60 s:\n${out}`)), 60_000);
    const onData = () => {
      const match = /Dataverse Ensure API: (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(out);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolveStart({ url: match[1]!, child, exited, output: () => out });
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the API exited (${code ?? signal}) before it started:\n${out}`));
    });
  });
}
