/**
 * `startService` wires each instance's identities into its client: with `DVE_INSTANCE_B_LOCAL_USERS`
 * the service writes to the local instance b as those made-up application users (the local Dataverse
 * records the caller's `oid` as createdby), never anonymously.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../../api/src/config';
import { localUserObjectId } from '../../../api/src/dataverse';
import { createLogger } from '../../../api/src/http';
import { startService, type RunningService } from '../../../api/src/main';
import { abConfigInstances } from '../../support/abInstances';
import { seedServiceDataFolder } from '../../support/pgliteTemplate';

const KEY = 'identities-test-key-0123456789';
let cwd: string;
let service: RunningService | undefined;

beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'dve-identities-start-'));
  writeFileSync(join(cwd, 'dataverse-ensure.config.json'), JSON.stringify({ port: 0, instances: abConfigInstances({ local: { port: 0, memory: true } }, { local: { port: 0, memory: true } }) }));
  seedServiceDataFolder(join(cwd, '.data'));
});
afterEach(async () => {
  await service?.close();
  service = undefined;
  rmSync(cwd, { recursive: true, force: true });
});

it('writes to the instance as its localUser identities', async () => {
  const logger = createLogger({ destination: new Writable({ write: (_chunk, _encoding, callback) => callback() }) });
  const config = loadConfig({ cwd, env: { API_KEYS: KEY, DVE_INSTANCE_B_LOCAL_USERS: 'app1,app2' } });
  expect(config.instances.find((instance) => instance.name === 'b')!.identities!.map((identity) => identity.name)).toEqual(['app1', 'app2']);
  service = await startService(config, { logger });
  const ids = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const answers = await Promise.all(
    ids.map((id) =>
      fetch(`${service!.url}/v1/instances/b/ensure`, {
        method: 'POST',
        headers: { 'X-API-Key': KEY, 'Content-Type': 'application/json' },
        body: JSON.stringify({ table: 'account', key: { accountid: id }, name: 'Stub' }),
      }),
    ),
  );
  expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
  const b = service.localInstances['b']!;
  const creators = await Promise.all(ids.map(async (id) => ((await (await fetch(`${b.webApiUrl}accounts(${id})`)).json()) as Record<string, unknown>)['_createdby_value']));
  const users = new Set([localUserObjectId('app1'), localUserObjectId('app2')]);
  expect(creators.every((creator) => users.has(creator as string))).toBe(true);
});
