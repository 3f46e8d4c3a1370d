/**
 * Several identities (application users) per instance: `auth` as a list, the `_<n>` variables of
 * identity n ≥ 2, `localUser` (only for the local Dataverse) and `DVE_INSTANCE_<NAME>_LOCAL_USERS`, and
 * errors that name the entry (`instances.b.auth[1].clientId`). Real files and environments.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG_FILE_NAME, describeConfig, loadConfig, type AppConfig } from '../../../api/src/config';
import { configIssues } from '../../support/configIssues';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '11111111-2222-4333-8444-555555555555';
const CLIENT_2 = '66666666-7777-4888-9999-aaaaaaaaaaaa';
const SECRET = 'very-secret-client-secret~value';
const SECRET_2 = 'another-secret-of-the-second-app';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'dve-identities-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const writeConfig = (content: unknown) => writeFileSync(join(cwd, DEFAULT_CONFIG_FILE_NAME), JSON.stringify(content));
const load = (env: Record<string, string> = {}): AppConfig => loadConfig({ env, cwd });
const issuesOf = (env: Record<string, string> = {}) => configIssues(env, cwd);
const remote = (extra: Record<string, unknown> = {}) => ({ url: 'https://contoso.crm4.dynamics.com', tables: ['account'], ...extra });
const app = (extra: Record<string, unknown> = {}) => ({ kind: 'clientSecret', tenantId: TENANT, clientId: CLIENT, ...extra });

describe('auth as a list', () => {
  it('gives each identity its secret from the variable with its suffix, and a label (default its position)', () => {
    writeConfig({ instances: { b: remote({ auth: [app(), app({ clientId: CLIENT_2, name: 'bulk', maxConcurrent: 8 })] }) } });
    const config = load({ DVE_INSTANCE_B_CLIENT_SECRET: SECRET, DVE_INSTANCE_B_CLIENT_SECRET_2: SECRET_2 });
    expect(config.instances[0]!.auth).toBeUndefined();
    expect(config.instances[0]!.identities).toEqual([
      { name: '1', auth: { kind: 'clientSecret', tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET } },
      { name: 'bulk', auth: { kind: 'clientSecret', tenantId: TENANT, clientId: CLIENT_2, clientSecret: SECRET_2 }, maxConcurrent: 8 },
    ]);
    const described = JSON.stringify(describeConfig(config));
    expect(described).not.toContain(SECRET);
    expect(describeConfig(config)).toMatchObject({ instances: [{ auth: 'clientSecret', identities: [{ name: '1' }, { name: 'bulk', maxConcurrent: 8 }] }] });
  });

  it('errors name the entry and the variable with its suffix', () => {
    writeConfig({ instances: { b: remote({ auth: [app(), { kind: 'clientSecret', tenantId: TENANT, clientId: 'not-a-guid' }, { kind: 'telepathy' }] }) } });
    expect(issuesOf({ DVE_INSTANCE_B_CLIENT_SECRET: SECRET })).toEqual([
      'instances.b.auth[1].clientId: must be a GUID (the application (client) ID)',
      expect.stringMatching(/^instances\.b\.auth\[2\]\.kind: /),
    ]);
    writeConfig({ instances: { b: remote({ auth: [app(), { kind: 'clientSecret', tenantId: TENANT }] }) } });
    expect(issuesOf({ DVE_INSTANCE_B_CLIENT_SECRET: SECRET })).toEqual([
      'instances.b.auth[1].clientId: required for clientSecret (in the file, or DVE_INSTANCE_B_CLIENT_ID_2)',
      'instances.b.auth[1]: clientSecret auth needs DVE_INSTANCE_B_CLIENT_SECRET_2 in the environment',
    ]);
  });

  it('refuses an empty list, more than 16 identities, and two identities with one name', () => {
    writeConfig({ instances: { b: remote({ auth: [] }) } });
    expect(issuesOf()).toEqual(['instances.b.auth: must list 1 to 16 identities (has 0)']);
    writeConfig({ instances: { b: remote({ auth: Array.from({ length: 17 }, () => ({ kind: 'managedIdentity' })) }) } });
    expect(issuesOf()).toEqual(['instances.b.auth: must list 1 to 16 identities (has 17)']);
    writeConfig({ instances: { b: remote({ auth: [{ kind: 'managedIdentity', name: 'x' }, { kind: 'managedIdentity', name: 'x' }] }) } });
    expect(issuesOf()).toEqual(['instances.b.auth[1].name: "x" is already the name of another identity of this instance']);
  });

  it('a single auth stays `auth`; with a name or maxConcurrent it becomes one identity', () => {
    writeConfig({ instances: { b: remote({ auth: { kind: 'managedIdentity' } }) } });
    expect(load().instances[0]).toMatchObject({ auth: { kind: 'default' } });
    expect(load().instances[0]!.identities).toBeUndefined();
    writeConfig({ instances: { b: remote({ auth: { kind: 'managedIdentity', maxConcurrent: 60 } }) } });
    expect(issuesOf()).toEqual([expect.stringMatching(/^instances\.b\.auth\.maxConcurrent: /)]);
    writeConfig({ instances: { b: remote({ auth: { kind: 'managedIdentity', maxConcurrent: 10 } }) } });
    expect(load().instances[0]!.identities).toEqual([{ name: '1', auth: { kind: 'default' }, maxConcurrent: 10 }]);
  });
});

describe('identities from the environment', () => {
  it('the _2 variables make a second identity of an instance configured by variables alone', () => {
    writeConfig({ instances: { a: { local: { port: 0 }, tables: ['account'] } } });
    const config = load({
      DVE_INSTANCE_B_URL: 'https://contoso.crm4.dynamics.com',
      DVE_INSTANCE_B_TABLES: 'account',
      DVE_INSTANCE_B_TENANT_ID: TENANT,
      DVE_INSTANCE_B_CLIENT_ID: CLIENT,
      DVE_INSTANCE_B_CLIENT_SECRET: SECRET,
      DVE_INSTANCE_B_TENANT_ID_2: TENANT,
      DVE_INSTANCE_B_CLIENT_ID_2: CLIENT_2,
      DVE_INSTANCE_B_CLIENT_SECRET_2: SECRET_2,
    });
    expect(config.instances.find((instance) => instance.name === 'b')!.identities).toEqual([
      { name: '1', auth: { kind: 'clientSecret', tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET } },
      { name: '2', auth: { kind: 'clientSecret', tenantId: TENANT, clientId: CLIENT_2, clientSecret: SECRET_2 } },
    ]);
  });

  it('a bad value of identity 2 is named by its entry and its variable; suffixes beyond 16 are no setting', () => {
    writeConfig({ instances: { b: remote({ auth: app() }) } });
    expect(issuesOf({ DVE_INSTANCE_B_CLIENT_SECRET: SECRET, DVE_INSTANCE_B_CLIENT_ID_2: 'nope', DVE_INSTANCE_B_CLIENT_SECRET_2: SECRET_2 })).toEqual([
      'instances.b.auth[1].clientId: must be a GUID (the application (client) ID) (from DVE_INSTANCE_B_CLIENT_ID_2)',
    ]);
    expect(issuesOf({ DVE_INSTANCE_B_CLIENT_SECRET: SECRET, DVE_INSTANCE_B_CLIENT_SECRET_17: SECRET_2 })).toEqual([
      expect.stringMatching(/^DVE_INSTANCE_B_CLIENT_SECRET_17: not a known setting/),
    ]);
    expect(issuesOf({ DVE_INSTANCE_B_CLIENT_SECRET: SECRET, DVE_INSTANCE_B_TABLES_2: 'account' })).toEqual([expect.stringMatching(/^DVE_INSTANCE_B_TABLES_2: not a known setting/)]);
  });

  it('LOCAL_USERS gives a local instance one localUser identity per name', () => {
    writeConfig({ instances: { b: { local: { port: 0 }, tables: ['account'] } } });
    expect(load({ DVE_INSTANCE_B_LOCAL_USERS: 'app1, app2,app3' }).instances[0]!.identities).toEqual([
      { name: 'app1', auth: { kind: 'localUser', name: 'app1' } },
      { name: 'app2', auth: { kind: 'localUser', name: 'app2' } },
      { name: 'app3', auth: { kind: 'localUser', name: 'app3' } },
    ]);
    expect(issuesOf({ DVE_INSTANCE_B_LOCAL_USERS: 'app1,no spaces please' })).toEqual([
      'instances.b.auth[1].name: must be 1–64 letters, digits, ".", "_" or "-" (from DVE_INSTANCE_B_LOCAL_USERS)',
    ]);
    expect(issuesOf({ DVE_INSTANCE_B_LOCAL_USERS: ' , ' })).toEqual(['instances.b.auth: must list 1 to 16 identities (has 0) (from DVE_INSTANCE_B_LOCAL_USERS)']);
  });

  it('RATE_LIMIT_WINDOW_SECONDS sets the window the identities pace to (1–3600 s; absent: the client default, 300)', () => {
    writeConfig({ instances: { b: { local: { port: 0 }, tables: ['account'] }, c: remote({ rateLimitWindowSeconds: 60 }) } });
    const config = load({ DVE_INSTANCE_B_RATE_LIMIT_WINDOW_SECONDS: '10' });
    expect(config.instances.map((instance) => [instance.name, instance.rateLimitWindowSeconds])).toEqual([
      ['b', 10],
      ['c', 60],
    ]);
    expect(load().instances[0]!.rateLimitWindowSeconds).toBeUndefined();
    for (const bad of ['0', '3601', 'ten']) {
      expect(issuesOf({ DVE_INSTANCE_B_RATE_LIMIT_WINDOW_SECONDS: bad })).toEqual([
        'instances.b.rateLimitWindowSeconds: must be an integer from 1 to 3600 (from DVE_INSTANCE_B_RATE_LIMIT_WINDOW_SECONDS)',
      ]);
    }
  });
});

describe('localUser', () => {
  it('is accepted by local instances and http:// loopback URLs', () => {
    writeConfig({
      instances: {
        l: { local: { port: 0 }, tables: ['account'], auth: [{ kind: 'localUser', name: 'app1' }, { kind: 'localUser', name: 'app2', maxConcurrent: 4 }] },
        u: { url: 'http://127.0.0.1:5555', tables: ['account'], auth: { kind: 'localUser', name: 'bench' } },
      },
    });
    const [local, loopback] = load().instances;
    expect(local!.identities).toEqual([
      { name: 'app1', auth: { kind: 'localUser', name: 'app1' } },
      { name: 'app2', auth: { kind: 'localUser', name: 'app2' }, maxConcurrent: 4 },
    ]);
    expect(loopback!.identities).toEqual([{ name: 'bench', auth: { kind: 'localUser', name: 'bench' } }]);
  });

  it('is refused for https and for remote http URLs, naming the entry; a local instance still takes no credentials', () => {
    writeConfig({
      instances: {
        s: remote({ auth: { kind: 'localUser', name: 'app1' } }),
        h: { url: 'http://dataverse.internal', tables: ['account'], auth: [{ kind: 'none' }, { kind: 'localUser', name: 'app2' }] },
        l: { local: { port: 0 }, tables: ['account'], auth: [{ kind: 'localUser', name: 'app1' }, { kind: 'managedIdentity' }] },
      },
    });
    expect(issuesOf()).toEqual([
      'instances.s.auth: localUser is only for the local Dataverse (a "local" instance, or an http:// loopback URL)',
      'instances.h.auth[1]: localUser is only for the local Dataverse (a "local" instance, or an http:// loopback URL)',
      'instances.l.auth[1]: a local instance takes no credentials',
    ]);
    writeConfig({ instances: { s: remote({ auth: { kind: 'localUser' } }) } });
    expect(issuesOf()).toEqual([expect.stringMatching(/^instances\.s\.auth\.name: /)]);
  });
});
