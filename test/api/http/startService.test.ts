/**
 * What `npm start` runs (`startService`), end to end on free ports: the local instances start, a key is
 * generated when none is configured (its hash stored only once it was shown), the API answers with it,
 * and close() stops everything.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { hashApiKey, loadConfig } from '../../../api/src/config';
import { createLogger } from '../../../api/src/http';
import { startService, type RunningService } from '../../../api/src/main';
import { abConfigInstances } from '../../support/abInstances';
import { seedServiceDataFolder } from '../../support/pgliteTemplate';

describe('startService (npm start)', () => {
  let cwd: string;
  let service: RunningService | undefined;
  const logLines: string[] = [];
  const logger = createLogger({
    destination: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(chunk.toString('utf8'));
        callback();
      },
    }),
  });

  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'dve-start-'));
    writeFileSync(
      join(cwd, 'dataverse-ensure.config.json'),
      JSON.stringify({
        port: 0,
        instances: abConfigInstances({ local: { port: 0, memory: true } }, { local: { port: 0, memory: true } }),
      }),
    );
    // The queue's cluster copied in (no initdb): a first start through initdb is npm start's test.
    seedServiceDataFolder(join(cwd, '.data'));
  });
  afterEach(async () => {
    await service?.close();
    service = undefined;
    rmSync(cwd, { recursive: true, force: true });
  });

  it('generates an API key when none is configured, stores its hash once asked (after it was shown), and serves the API with it', async () => {
    service = await startService(loadConfig({ cwd, env: {} }), { logger });
    const key = service.generatedApiKey!;
    expect(key).toMatch(/^dve_/);
    // Nothing stored before the key was shown (npm start prints the banner, then stores).
    expect(existsSync(join(cwd, '.data', 'api-keys.json'))).toBe(false);
    expect(service.storeGeneratedApiKey()).toBe(join(cwd, '.data', 'api-keys.json'));
    // Once: a second call stores no second entry.
    expect(service.storeGeneratedApiKey()).toBe(join(cwd, '.data', 'api-keys.json'));
    expect(JSON.parse(readFileSync(join(cwd, '.data', 'api-keys.json'), 'utf8')).keys).toHaveLength(1);
    const stored = readFileSync(join(cwd, '.data', 'api-keys.json'), 'utf8');
    expect(stored).toContain(hashApiKey(key));
    expect(stored).not.toContain(key);
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    expect((await fetch(`${service.url}/v1/instances`)).status).toBe(401);
    const instances = await fetch(`${service.url}/v1/instances`, { headers: { 'X-API-Key': key } });
    expect(instances.status).toBe(200);
    const body = (await instances.json()) as { value: Array<{ name: string; reachable: boolean }> };
    expect(body.value.map(({ name, reachable }) => ({ name, reachable }))).toEqual([
      { name: 'a', reachable: true },
      { name: 'b', reachable: true },
    ]);
    expect((await fetch(`${service.url}/ready`)).status).toBe(200);
    expect(logLines.join('')).not.toContain(key);

    // A second start reuses the stored key instead of generating another.
    const url = service.url;
    await service.close();
    service = await startService(loadConfig({ cwd, env: {} }), { logger });
    expect(service.generatedApiKey).toBeUndefined();
    expect(service.config.apiKeySource).toBe('data folder');
    expect((await fetch(`${service.url}/v1/instances`, { headers: { 'X-API-Key': key } })).status).toBe(200);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('a start that fails (the API port in use) stores no key, and the next start generates one', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busyPort = (blocker.address() as AddressInfo).port;
    try {
      await expect(startService(loadConfig({ cwd, env: { PORT: String(busyPort) } }), { logger })).rejects.toThrow(
        `PORT=${busyPort} is in use on 127.0.0.1 (another dataverse-ensure, or another program): stop that, or set another port with PORT (file: port; 0 picks a free one)`,
      );
      expect(existsSync(join(cwd, '.data', 'api-keys.json'))).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    service = await startService(loadConfig({ cwd, env: {} }), { logger });
    expect(service.generatedApiKey).toMatch(/^dve_/);
  });

  it('a local instance port in use is named by its setting', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busyPort = (blocker.address() as AddressInfo).port;
    try {
      const start = startService(loadConfig({ cwd, env: { DVE_INSTANCE_B_LOCAL_PORT: String(busyPort) } }), { logger });
      await expect(start).rejects.toThrow(`DVE_INSTANCE_B_LOCAL_PORT=${busyPort} is in use on 127.0.0.1`);
      await expect(start).rejects.toThrow('(file: instances.b.local.port; 0 picks a free one)');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('generates nothing when API_KEYS is set', async () => {
    service = await startService(loadConfig({ cwd, env: { API_KEYS: 'vault-key-0123456789' } }), { logger });
    expect(service.generatedApiKey).toBeUndefined();
    expect((await fetch(`${service.url}/v1/instances`, { headers: { 'X-API-Key': 'vault-key-0123456789' } })).status).toBe(200);
  });

  it('stops the local instances on close', async () => {
    service = await startService(loadConfig({ cwd, env: {} }), { logger });
    const b = service.localInstances['b']!;
    expect((await fetch(`${b.webApiUrl}accounts?$top=1`)).status).toBe(200);
    await service.close();
    await expect(fetch(`${b.webApiUrl}accounts?$top=1`)).rejects.toThrow();
    service = undefined;
  });
});
