/**
 * The container and Azure files, checked offline (no Docker daemon, no Bicep CLI, no Azure here): the
 * Dockerfile's production rules, compose.yaml's shape, and the App Service settings of the Bicep, which
 * must make a configuration the service accepts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Script } from 'node:vm';
import { loadConfig } from '../../api/src/config';

const ROOT = resolve(__dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
// js-yaml is in the tree already (eslint's own configuration reader).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { load: parseYaml } = require('js-yaml') as { load(text: string): unknown };

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => /^[A-Z]+\s/.test(line));

  it('builds in one stage and runs the build in a slim Node 20 one, production dependencies only', () => {
    const stages = instructions.filter((line) => line.startsWith('FROM '));
    expect(stages).toEqual(['FROM node:20-bookworm-slim AS build', 'FROM node:20-bookworm-slim']);
    expect(instructions).toContain('RUN npm ci --no-audit --no-fund');
    expect(instructions).toContain('RUN npm run build && npm prune --omit=dev --no-audit --no-fund');
    for (const line of instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from='))) {
      const sources = line.split(/\s+/).slice(1, -1);
      for (const source of sources) if (source !== '.') expect(existsSync(join(ROOT, source))).toBe(true);
    }
  });

  it('runs as a non-root user, with node as PID 1 (exec form), a /data volume and a health check on /health', () => {
    const runStage = instructions.slice(instructions.lastIndexOf('FROM node:20-bookworm-slim'));
    const user = runStage.find((line) => line.startsWith('USER '));
    expect(user).toBe('USER node');
    expect(runStage).toContain('VOLUME ["/data"]');
    expect(runStage.at(-1)).toBe('CMD ["node", "dist/main.js"]');
    const healthcheck = runStage.find((line) => line.startsWith('HEALTHCHECK '))!;
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) as string[];
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    expect(command[2]).toContain('/health');
    expect(() => new Script(command[2]!)).not.toThrow();
  });

  it('.dockerignore keeps node_modules, the data folder and git out of the context, and what the build needs in', () => {
    const ignored = read('.dockerignore').split('\n').filter((line) => line && !line.startsWith('#'));
    for (const entry of ['node_modules', '**/node_modules', '.data', '.git', 'dist']) expect(ignored).toContain(entry);
    for (const needed of ['api', 'pcf-control', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) expect(ignored).not.toContain(needed);
  });
});

describe('compose.yaml', () => {
  const compose = parseYaml(read('compose.yaml')) as {
    services: Record<string, { image?: string; build?: string; deploy?: { replicas?: number }; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }> }>;
  };

  it('PostgreSQL 16 and two API replicas sharing it, started once it is healthy', () => {
    expect(compose.services['postgres']!.image).toBe('postgres:16');
    const api = compose.services['api']!;
    expect(api.build).toBe('.');
    expect(api.deploy?.replicas).toBe(2);
    expect(api.environment?.['DATABASE_URL']).toMatch(/^postgres:\/\/dataverse_ensure:.*@postgres:5432\/dataverse_ensure$/);
    expect(api.depends_on?.['postgres']?.condition).toBe('service_healthy');
    expect(api.environment?.['API_KEYS']).toContain(':?');
  });
});

describe('deploy/azure/main.bicep', () => {
  const bicep = read('deploy/azure/main.bicep');
  const guide = read('deploy/azure/README.md');

  it('App Service on Linux, Node 20, running the build, health check on /health, Key Vault references through the user-assigned identity', () => {
    expect(bicep).toContain("resource site 'Microsoft.Web/sites@");
    expect(bicep).toContain("linuxFxVersion: 'NODE|20-lts'");
    expect(bicep).toContain("appCommandLine: 'node dist/main.js'");
    expect(bicep).toContain("healthCheckPath: '/health'");
    expect(bicep).toContain('keyVaultReferenceIdentity: identity.id');
    expect(bicep).toContain("'Microsoft.DBforPostgreSQL/flexibleServers@");
    expect(bicep).toContain("name: 'authsettingsV2'");
  });

  it('every Key Vault secret it references is one the walk-through tells to set', () => {
    const secrets = [...new Set([...bicep.matchAll(/\$\{secretRef\}([a-z-]+)\/\)/g)].map((m) => m[1]!))];
    expect(secrets.length).toBeGreaterThan(0);
    const created = ['database-url', ...[...guide.matchAll(/az keyvault secret set [^\n]*--name ([a-z-]+)/g)].map((m) => m[1]!)];
    for (const secret of secrets) expect(created).toContain(secret);
  });

  it('its app settings make a configuration the service accepts', () => {
    const samples: Record<string, string> = {
      publicUrl: 'https://dve-api-x.azurewebsites.net',
      sourceUrl: 'https://contoso-sales.crm4.dynamics.com',
      targetUrl: 'https://contoso-service.crm4.dynamics.com',
      tables: 'account,contact',
      dataverseTenantId: '8c2f4e1a-7b3d-4f5e-9a1c-2d3e4f5a6b7c',
      dataverseClientId: '3f1c2a4e-8b7d-4c1e-9a2b-5d6e7f8a9b0c',
    };
    const secretValues: Record<string, string> = { 'database-url': 'postgres://dveadmin:pw@dve-pg.postgres.database.azure.com:5432/dataverse_ensure?sslmode=require', 'api-keys': 'a-key-of-sixteen-or-more', 'dataverse-client-secret': 'client-secret-value' };
    const env: NodeJS.ProcessEnv = {};
    const settings = [...bicep.matchAll(/\{ name: '([A-Z_]+)', value: ('[^']*'|\w+) \}/g)];
    expect(settings.map((m) => m[1])).toEqual(expect.arrayContaining(['DATABASE_URL', 'API_KEYS', 'DVE_INSTANCE_B_CLIENT_SECRET', 'PUBLIC_URL']));
    for (const [, name, value] of settings) {
      const secret = /^'\$\{secretRef\}([a-z-]+)\/\)'$/.exec(value!)?.[1];
      env[name!] = secret ? secretValues[secret]! : /^'[^']*'$/.test(value!) ? value!.slice(1, -1) : samples[value!]!;
      expect(env[name!]).toBeDefined();
    }
    const cwd = mkdtempSync(join(tmpdir(), 'dve-bicep-'));
    try {
      const config = loadConfig({ cwd, env });
      expect(config.host).toBe('0.0.0.0');
      expect(config.databaseUrl).toBe(secretValues['database-url']);
      expect(config.instances.map(({ name, url, source, auth }) => ({ name, url, source, auth: auth?.kind }))).toEqual([
        { name: 'a', url: samples['sourceUrl'], source: undefined, auth: 'clientSecret' },
        { name: 'b', url: samples['targetUrl'], source: 'a', auth: 'clientSecret' },
      ]);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
