/**
 * The steps the Dockerfile runs, on a clean copy of the repository: install, `npm run build`,
 * `npm prune --omit=dev`, then `node dist/main.js` as a non-root user with production dependencies only,
 * the embedded default's local instances, and the queue on the test PostgreSQL: `/health`, a submit,
 * SIGTERM → exit 0.
 *
 * Install: by default the repository's installed packages are hard-linked into the copy (seconds, no
 * network; npm's hidden lockfile is copied, not linked, because npm rewrites it). With
 * `DVE_DEPLOY_TEST_INSTALL=ci` the copy runs a real `npm ci` from the registry, as the image build does.
 * Linux only (hard links, /proc, setpriv).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { killLeftovers, spawnService } from '../api/runtime/serviceProcess';

jest.setTimeout(600_000);

const ROOT = resolve(__dirname, '../..');
/** `nobody` on Debian. */
const NOBODY = { uid: 65534, gid: 65534 };

let work: string;
let app: string;
let postgres: TestPostgres | undefined;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dve-deploy-'));
  chmodSync(work, 0o755);
  app = join(work, 'app');
  postgres = await startPostgres();
});
afterAll(async () => {
  await killLeftovers();
  await postgres?.stop();
  rmSync(work, { recursive: true, force: true });
});

function run(command: string, args: string[], cwd = app): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } });
}

/** The working tree as a fresh clone would have it, changes not yet committed included (git ls-files). */
function copySources(): void {
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT).split('\0').filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(ROOT, file))) continue; // deleted in the working tree
    mkdirSync(dirname(join(app, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(app, file));
  }
}

/** The repository's node_modules folders, hard-linked; npm's hidden lockfile copied (npm rewrites it). */
function linkInstalledPackages(): void {
  for (const folder of ['node_modules', ...['pending-stubs', 'hydration-status'].map((control) => join('pcf-control', control, 'node_modules'))]) {
    if (!existsSync(join(ROOT, folder))) continue;
    run('cp', ['-al', join(ROOT, folder), join(app, folder)], ROOT);
    const hidden = join(app, folder, '.package-lock.json');
    if (existsSync(hidden)) {
      unlinkSync(hidden);
      copyFileSync(join(ROOT, folder, '.package-lock.json'), hidden);
    }
  }
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

it('clean copy → install → npm run build → npm prune --omit=dev → node dist/main.js as nobody: /health, a submit, SIGTERM → exit 0', async () => {
  const ourLockfile = join(ROOT, 'node_modules', '.package-lock.json');
  const lockfileBefore = existsSync(ourLockfile) ? sha256(ourLockfile) : undefined;
  copySources();
  if (process.env['DVE_DEPLOY_TEST_INSTALL'] === 'ci') run('npm', ['ci']);
  else linkInstalledPackages();

  run('npm', ['run', 'build']);
  for (const file of ['main.js', 'keys.js', 'database/pgliteWorker.mjs', 'database/createPgliteCluster.mjs', 'local-dataverse/schema/default-schema.json', 'http/openapi.json', 'http/preview/preview-client.js']) {
    expect(existsSync(join(app, 'dist', file))).toBe(true);
  }
  run('npm', ['prune', '--omit=dev']);
  // Development tools are gone: what runs below runs on production dependencies only.
  for (const tool of ['typescript', 'tsx', 'jest', 'swagger-jsdoc', 'ts-jest']) expect(existsSync(join(app, 'node_modules', tool))).toBe(false);
  expect(existsSync(join(app, 'node_modules', 'express'))).toBe(true);
  if (lockfileBefore !== undefined) expect(sha256(ourLockfile)).toBe(lockfileBefore);

  const dataDir = join(work, 'data');
  mkdirSync(dataDir);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dataDir, NOBODY.uid, NOBODY.gid);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    DATA_DIR: dataDir,
    PORT: '0',
    DVE_INSTANCE_A_LOCAL_PORT: '0',
    DVE_INSTANCE_B_LOCAL_PORT: '0',
    DATABASE_URL: postgres!.url,
    LOG_FORMAT: 'json',
    NODE_ENV: 'production',
  };
  const command = asRoot ? 'setpriv' : process.execPath;
  const args = asRoot ? [`--reuid=${NOBODY.uid}`, `--regid=${NOBODY.gid}`, '--clear-groups', '--', process.execPath, 'dist/main.js'] : ['dist/main.js'];
  const service = await spawnService(command, args, { cwd: app, env });
  try {
    if (asRoot) {
      const status = readFileSync(`/proc/${service.child.pid}/status`, 'utf8');
      expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe(String(NOBODY.uid));
    }
    expect(await (await fetch(`${service.url}/health`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${service.url}/swagger.json`)).status).toBe(200);
    const key = service.printedKey!;
    expect(key).toBeDefined();
    const submitted = await fetch(`${service.url}/v1/instances/b/submit`, {
      method: 'POST',
      headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
      body: JSON.stringify({ table: 'contact', record: { lastname: 'Deployed' }, references: { parentcustomerid_account: { table: 'account', key: { accountnumber: 'D-1' }, name: 'Deployed Ltd' } } }),
    });
    expect(submitted.status).toBe(200);
    expect(await submitted.json()).toMatchObject({ table: 'contact', operation: 'created', stubsCreated: [expect.objectContaining({ table: 'account' })] });
  } finally {
    process.kill(service.child.pid!, 'SIGTERM');
  }
  expect(await service.exited).toEqual({ code: 0, signal: null });
  expect(service.output()).toContain('SIGTERM: stopping');
  // The key was stored after it was printed, by the service's own user.
  expect(readFileSync(join(dataDir, 'api-keys.json'), 'utf8')).toContain('"generated"');
});
