/**
 * A PostgreSQL server for tests, as every suite that needs one starts it.
 *
 * - `DVE_TEST_DATABASE_URL` set (e.g. `postgres://postgres@127.0.0.1:5432/postgres`): a fresh,
 *   uniquely named database is created on that server (so suites never see each other's pg-boss
 *   schema); `stop()` drops it.
 * - otherwise: a throwaway cluster from Debian's binaries (`/usr/lib/postgresql/<newest>/bin`, else
 *   `pg_config --bindir`), `initdb` into a temp dir, started with `pg_ctl` on a free TCP port of
 *   127.0.0.1 with its unix socket in that dir, trust auth, no fsync; `stop()` stops it
 *   (`pg_ctl stop -m immediate`) and removes the dir. `initdb` and `postgres` refuse to run as root:
 *   as root, they run as the `postgres` system user (`runuser -u postgres --`, else `su`) and the dir
 *   is handed to it.
 *
 * No binaries and no URL is an error that says what to install; a test never skips silently.
 * Each call has its own dir and port, so parallel jest workers do not meet.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface TestPostgres {
  /** `postgres://…` to hand to `createQueue({ databaseUrl })` or `pg`. */
  url: string;
  /** Drops the database / stops the cluster and removes its files. Safe to call twice. */
  stop(): Promise<void>;
}

export const TEST_DATABASE_URL_VARIABLE = 'DVE_TEST_DATABASE_URL';

export const POSTGRES_MISSING_MESSAGE =
  'PostgreSQL is needed for this test and none was found (no /usr/lib/postgresql/*/bin/initdb, no pg_config). ' +
  'Install Debian\'s package: `apt-get install -y postgresql` (.ci/run does it), ' +
  `or set ${TEST_DATABASE_URL_VARIABLE}=postgres://user:password@host:5432/postgres (a user allowed to CREATE DATABASE).`;

export async function startPostgres(): Promise<TestPostgres> {
  const serverUrl = process.env[TEST_DATABASE_URL_VARIABLE];
  if (serverUrl !== undefined && serverUrl.trim() !== '') return createDatabaseOn(serverUrl.trim());
  return startThrowawayCluster();
}

// ---- a database on a server we were given ----

/** The bit of node-postgres used here (`pg` is pg-boss' own dependency; it has no types installed). */
interface PgClient {
  connect(): Promise<void>;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
}
type PgClientConstructor = new (config: { connectionString: string }) => PgClient;

function loadPgClient(): PgClientConstructor {
  // Resolve `pg` as pg-boss does, so this uses the very driver the queue uses.
  const fromHere = createRequire(__filename);
  const fromPgBoss = createRequire(fromHere.resolve('pg-boss'));
  return (fromPgBoss('pg') as { Client: PgClientConstructor }).Client;
}

async function withClient<T>(url: string, use: (client: PgClient) => Promise<T>): Promise<T> {
  const Client = loadPgClient();
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function createDatabaseOn(serverUrl: string): Promise<TestPostgres> {
  let parsed: URL;
  try {
    parsed = new URL(serverUrl);
  } catch {
    throw new Error(`${TEST_DATABASE_URL_VARIABLE} is not a URL (postgres://user:password@host:5432/postgres)`);
  }
  const name = `dve_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(parsed.href);
  url.pathname = `/${name}`;

  let stopping: Promise<void> | undefined;
  return {
    url: url.href,
    stop() {
      // WITH (FORCE) (PostgreSQL 13+) ends sessions a test left open instead of failing the drop.
      stopping ??= withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined);
      return stopping;
    },
  };
}

// ---- a throwaway cluster ----

/** The newest `/usr/lib/postgresql/<version>/bin` with initdb, else `pg_config --bindir`. */
export function findPostgresBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((version) => existsSync(join(root, version, 'bin', 'initdb')))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    if (versions[0] !== undefined) return join(root, versions[0], 'bin');
  }
  try {
    const bindir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (bindir !== '' && existsSync(join(bindir, 'initdb'))) return bindir;
  } catch {
    // no pg_config on the PATH
  }
  return undefined;
}

const RUNUSER_PATHS = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'];

/** How to run a server binary: directly, or (as root) as the `postgres` system user. */
interface Runner {
  command(program: string, args: string[]): { file: string; args: string[] };
  /** uid/gid the cluster's files must belong to (root only). */
  owner?: { uid: number; gid: number };
}

function postgresUser(): { uid: number; gid: number } {
  const result = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const groups = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (result.status !== 0 || groups.status !== 0) {
    throw new Error(
      'Running as root, PostgreSQL must run as the `postgres` system user, which does not exist. ' +
        `Install Debian's package (\`apt-get install -y postgresql\` creates it) or set ${TEST_DATABASE_URL_VARIABLE}.`,
    );
  }
  return { uid: Number(result.stdout.trim()), gid: Number(groups.stdout.trim()) };
}

function runner(): Runner {
  if (userInfo().uid !== 0) return { command: (file, args) => ({ file, args }) };
  const owner = postgresUser();
  const runuser = RUNUSER_PATHS.find((path) => existsSync(path));
  if (runuser !== undefined) {
    return { owner, command: (file, args) => ({ file: runuser, args: ['-u', 'postgres', '--', file, ...args] }) };
  }
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  return {
    owner,
    command: (file, args) => ({ file: 'su', args: ['postgres', '-s', '/bin/sh', '-c', [file, ...args].map(quote).join(' ')] }),
  };
}

function run(how: Runner, program: string, args: string[], timeoutMs = 60_000): Promise<void> {
  const { file, args: argv } = how.command(program, args);
  return new Promise((resolve, reject) => {
    execFile(file, argv, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${program} ${args.join(' ')} failed: ${error.message}\n${stderr || stdout}`));
      else resolve();
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Clusters this process started and has not stopped: stopped at exit if a test forgot (or crashed). */
const running = new Set<{ pgCtl: string; dataDir: string; dir: string; how: Runner }>();
let exitHookInstalled = false;

function stopAllAtExit(): void {
  for (const cluster of running) {
    const { file, args } = cluster.how.command(cluster.pgCtl, ['stop', '-D', cluster.dataDir, '-m', 'immediate', '-w']);
    spawnSync(file, args, { stdio: 'ignore', timeout: 10_000 });
    rmSync(cluster.dir, { recursive: true, force: true });
  }
  running.clear();
}

async function startThrowawayCluster(): Promise<TestPostgres> {
  const bindir = findPostgresBinaries();
  if (bindir === undefined) throw new Error(POSTGRES_MISSING_MESSAGE);
  const how = runner();
  const initdb = join(bindir, 'initdb');
  const pgCtl = join(bindir, 'pg_ctl');

  const dir = mkdtempSync(join(tmpdir(), 'dve-pg-'));
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 'socket');
  const logFile = join(dir, 'server.log');
  mkdirSync(socketDir);
  if (how.owner) for (const path of [dir, socketDir]) chownSync(path, how.owner.uid, how.owner.gid);

  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  try {
    // --no-sync: nothing here needs to survive a crash of the machine; it saves most of initdb's time.
    await run(how, initdb, ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync', '--no-instructions']);

    // A port found free can be taken by another worker before the server binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      appendFileSync(
        join(dataDir, 'postgresql.conf'),
        [
          '',
          '# dataverse-ensure tests: a throwaway cluster',
          "listen_addresses = '127.0.0.1'",
          `port = ${port}`,
          `unix_socket_directories = '${socketDir}'`,
          'fsync = off',
          'synchronous_commit = off',
          'full_page_writes = off',
          'max_connections = 200',
          '',
        ].join('\n'),
      );
      try {
        await run(how, pgCtl, ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60']);
      } catch (error) {
        const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
        if (attempt < 3 && /could not bind|address already in use/i.test(log)) continue;
        throw new Error(`${(error as Error).message}\nserver log:\n${log}`);
      }

      const cluster = { pgCtl, dataDir, dir, how };
      running.add(cluster);
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.once('exit', stopAllAtExit);
      }
      let stopping: Promise<void> | undefined;
      return {
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        stop() {
          stopping ??= (async () => {
            try {
              await run(how, pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '30']);
            } finally {
              running.delete(cluster);
              removeDir();
            }
          })();
          return stopping;
        },
      };
    }
  } catch (error) {
    removeDir();
    throw error;
  }
}
