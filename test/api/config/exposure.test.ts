/**
 * Settings that decide what the service exposes beyond loopback: `webhooks.allowPrivateNetworks`
 * (file, `WEBHOOKS_ALLOW_PRIVATE_NETWORKS`; default true only when every instance is local) and
 * `PUBLIC_URL`, required as soon as `HOST` is not a loopback address.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG_FILE_NAME, loadConfig, type AppConfig } from '../../../api/src/config';
import { configIssues } from '../../support/configIssues';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'dve-exposure-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const writeConfig = (content: unknown) => writeFileSync(join(cwd, DEFAULT_CONFIG_FILE_NAME), JSON.stringify(content));
const load = (env: Record<string, string> = {}): AppConfig => loadConfig({ env, cwd });
const issuesOf = (env: Record<string, string> = {}): string[] => configIssues(env, cwd);
const local = { local: { port: 0, memory: true }, tables: ['account'] };
const remote = { url: 'https://contoso.crm4.dynamics.com', tables: ['account'] };

describe('webhooks.allowPrivateNetworks', () => {
  it('defaults to true when every instance is local (npm start, the demo), false as soon as one has a url', () => {
    expect(load().webhooks).toEqual({ allowPrivateNetworks: true });
    expect(load({ DVE_INSTANCE_B_URL: 'https://contoso.crm4.dynamics.com' }).webhooks).toEqual({ allowPrivateNetworks: false });
    writeConfig({ instances: { a: local, b: remote } });
    expect(load().webhooks.allowPrivateNetworks).toBe(false);
    writeConfig({ instances: { b: remote } });
    expect(load().webhooks.allowPrivateNetworks).toBe(false);
  });

  it('the file sets it; WEBHOOKS_ALLOW_PRIVATE_NETWORKS overrides the file', () => {
    writeConfig({ webhooks: { allowPrivateNetworks: true }, instances: { b: remote } });
    expect(load().webhooks.allowPrivateNetworks).toBe(true);
    expect(load({ WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'false' }).webhooks.allowPrivateNetworks).toBe(false);
    writeConfig({ webhooks: { allowPrivateNetworks: false }, instances: { b: local } });
    expect(load().webhooks.allowPrivateNetworks).toBe(false);
    expect(load({ WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'TRUE' }).webhooks.allowPrivateNetworks).toBe(true);
    expect(load({ WEBHOOKS_ALLOW_PRIVATE_NETWORKS: '' }).webhooks.allowPrivateNetworks).toBe(false);
  });

  it('bad values are named by their setting or variable', () => {
    expect(issuesOf({ WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'yes' })).toEqual(['WEBHOOKS_ALLOW_PRIVATE_NETWORKS: must be true or false']);
    writeConfig({ webhooks: { allowPrivateNetworks: 'yes', allowEverything: true }, instances: { b: local } });
    expect(issuesOf()).toEqual([expect.stringMatching(/^webhooks\.allowPrivateNetworks: /), 'webhooks.allowEverything: is not a known setting']);
  });
});

describe('PUBLIC_URL and a HOST beyond loopback', () => {
  it('refuses to start on a non-loopback HOST without PUBLIC_URL, saying why', () => {
    const issues = issuesOf({ HOST: '0.0.0.0' });
    expect(issues).toEqual([expect.stringMatching(/^PUBLIC_URL: required when HOST \(0\.0\.0\.0\) is not a loopback address: the absolute Location .* never from a request's Host header/)]);
    expect(issuesOf({ HOST: '::' })[0]).toMatch(/^PUBLIC_URL: required when HOST \(::\)/);
    writeConfig({ host: '10.1.2.3', instances: { b: local } });
    expect(issuesOf()[0]).toMatch(/^PUBLIC_URL: required when HOST \(10\.1\.2\.3\)/);
  });

  it('starts with PUBLIC_URL (environment or file), or on loopback without it', () => {
    expect(load({ HOST: '0.0.0.0', PUBLIC_URL: 'https://dve.example.com/' })).toMatchObject({ host: '0.0.0.0', publicUrl: 'https://dve.example.com' });
    writeConfig({ host: '0.0.0.0', publicUrl: 'https://dve.example.com', instances: { b: local } });
    expect(load().publicUrl).toBe('https://dve.example.com');
    rmSync(join(cwd, DEFAULT_CONFIG_FILE_NAME));
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1']) expect([host, load({ HOST: host }).publicUrl]).toEqual([host, undefined]);
  });
});
