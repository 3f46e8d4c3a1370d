/**
 * `npm run keys -- create|list|revoke`: keys kept in the data folder as hashes, or printed for the
 * configuration file; the service accepts what the command created once it loads its configuration.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashApiKey, loadConfig, matchApiKey } from '../../../api/src/config';
import { runKeysCommand } from '../../../api/src/keys';

let cwd: string;
let dataDir: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'dve-keys-'));
  dataDir = join(cwd, 'data');
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

function keys(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runKeysCommand(args, { cwd, env: { DATA_DIR: dataDir, ...env }, out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const printedKey = (out: string) => /^\s+(dve_[A-Za-z0-9_-]{43})$/m.exec(out)![1]!;

it('create prints a key once and stores only its hash (mode 600); the configuration then accepts it with its role', () => {
  const created = keys(['create', 'flows', '--admin']);
  expect(created.code).toBe(0);
  const key = printedKey(created.out);
  const file = readFileSync(join(dataDir, 'api-keys.json'), 'utf8');
  expect(file).not.toContain(key);
  expect(JSON.parse(file).keys).toEqual([{ name: 'flows', sha256: hashApiKey(key), role: 'admin', createdOn: expect.any(String) }]);
  expect(statSync(join(dataDir, 'api-keys.json')).mode & 0o777).toBe(0o600);

  const config = loadConfig({ cwd, env: { DATA_DIR: dataDir } });
  expect(config.apiKeySource).toBe('data folder');
  expect(matchApiKey(key, config.apiKeys)).toEqual({ name: 'flows', sha256: hashApiKey(key), role: 'admin' });
});

it('create refuses a name already there (before showing a key) and a bad name', () => {
  keys(['create', 'flows']);
  const again = keys(['create', 'flows']);
  expect(again.code).toBe(1);
  expect(again.out).toBe('');
  expect(again.err).toContain('already has a key named "flows"');
  expect(JSON.parse(readFileSync(join(dataDir, 'api-keys.json'), 'utf8')).keys).toHaveLength(1);
  const bad = keys(['create', 'two words']);
  expect(bad.code).toBe(2);
  expect(bad.err).toContain('key name "two words"');
});

it('create --print stores nothing and prints the apiKeys entry for the configuration file', () => {
  const printed = keys(['create', 'ops', '--admin', '--print']);
  expect(printed.code).toBe(0);
  const key = printedKey(printed.out);
  expect(printed.out).toContain(JSON.stringify({ name: 'ops', sha256: hashApiKey(key), role: 'admin' }));
  expect(existsSync(join(dataDir, 'api-keys.json'))).toBe(false);
  // The printed entry, pasted into the file, is accepted.
  writeFileSync(join(cwd, 'dataverse-ensure.config.json'), JSON.stringify({ apiKeys: [{ name: 'ops', sha256: hashApiKey(key), role: 'admin' }], instances: { b: { url: 'http://127.0.0.1:1', tables: ['account'] } } }));
  expect(matchApiKey(key, loadConfig({ cwd, env: {} }).apiKeys)?.role).toBe('admin');
});

it('list shows names and roles, never hashes; revoke removes one; the last revoke says the next start generates a key', () => {
  const one = printedKey(keys(['create', 'one']).out);
  keys(['create', 'two', '--admin']);
  const listed = keys(['list']);
  expect(listed.out).toMatch(/one {2}role: caller/);
  expect(listed.out).toMatch(/two {2}role: admin/);
  expect(listed.out).not.toContain(hashApiKey(one));

  expect(keys(['revoke', 'one']).code).toBe(0);
  expect(matchApiKey(one, loadConfig({ cwd, env: { DATA_DIR: dataDir } }).apiKeys)).toBeUndefined();
  const missing = keys(['revoke', 'one']);
  expect(missing.code).toBe(1);
  expect(missing.err).toContain('no key named "one"');
  expect(keys(['revoke', 'two']).out).toContain('the next start generates one');
});

it('says when the service ignores the data folder because keys come from the environment', () => {
  const env = { API_KEYS: 'vault-key-0123456789' };
  expect(keys(['create', 'flows'], env).out).toContain('takes its keys from the environment (env-1), so it ignores the data folder');
  expect(keys(['list'], env).out).toContain('uses the keys from the environment instead: env-1 (caller)');
  expect(keys(['revoke', 'env-1'], env).err).toContain('"env-1" comes from the environment');
});

it('names a wrong command line with the usage', () => {
  for (const args of [[], ['rotate'], ['create'], ['list', 'x'], ['create', 'x', '--force']]) {
    const result = keys(args);
    expect(result.code).toBe(2);
    expect(result.err).toContain('usage: npm run keys');
  }
});
