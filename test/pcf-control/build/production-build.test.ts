/**
 * The production output of both controls, as `npm run build:pcf` leaves it (the project's global
 * setup builds it first when it is missing or older than the sources): manifests with the right
 * names, versions and platform libraries, bundles that keep React and Fluent external, and the
 * build wrapper's judgement of pcf-scripts logs (pcf-scripts exits 0 even when it fails).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const repo = join(__dirname, '..', '..', '..');
const pcfRoot = join(repo, 'pcf-control');
const MAX_BUNDLE_BYTES = 50 * 1024;

interface ControlSpec {
  folder: string;
  constructorName: string;
  features: string[];
}

const controls: ControlSpec[] = [
  { folder: 'pending-stubs', constructorName: 'PendingStubs', features: ['WebAPI', 'Utility'] },
  { folder: 'hydration-status', constructorName: 'HydrationStatus', features: ['WebAPI', 'Utility'] },
];

function outDir(control: ControlSpec): string {
  return join(pcfRoot, control.folder, 'out', 'controls', control.constructorName);
}

function attributes(xml: string, element: string): Record<string, string>[] {
  const found: Record<string, string>[] = [];
  const tag = new RegExp(`<${element}\\s([^>]*?)/?>`, 'g');
  for (let match = tag.exec(xml); match; match = tag.exec(xml)) {
    const attrs: Record<string, string> = {};
    for (const attr of (match[1] as string).matchAll(/([\w-]+)="([^"]*)"/g)) attrs[attr[1] as string] = attr[2] as string;
    found.push(attrs);
  }
  return found;
}

function installedVersion(pkg: string, from: string): string {
  const resolved = require.resolve(`${pkg}/package.json`, { paths: [from] });
  return (JSON.parse(readFileSync(resolved, 'utf8')) as { version: string }).version;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

describe.each(controls)('$constructorName production output', (control) => {
  const dir = outDir(control);
  const projectDir = join(pcfRoot, control.folder);

  it('exists (built by the global setup, never skipped)', () => {
    expect(existsSync(join(dir, 'ControlManifest.xml'))).toBe(true);
    expect(existsSync(join(dir, 'bundle.js'))).toBe(true);
  });

  it('has the names the solution uses: namespace DataverseEnsure, the constructor, a virtual control', () => {
    const manifest = readFileSync(join(dir, 'ControlManifest.xml'), 'utf8');
    const [ctl] = attributes(manifest, 'control');
    expect(ctl).toMatchObject({
      namespace: 'DataverseEnsure',
      constructor: control.constructorName,
      'control-type': 'virtual',
    });
    // solution name ec_<namespace>.<constructor>, as the solution references it
    expect(`ec_${ctl?.namespace}.${ctl?.constructor}`).toBe(`ec_DataverseEnsure.${control.constructorName}`);
  });

  it('carries the package version and the api-version of the installed PCF typings', () => {
    const manifest = readFileSync(join(dir, 'ControlManifest.xml'), 'utf8');
    const [ctl] = attributes(manifest, 'control');
    const pkg = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8')) as { version: string };
    expect(ctl?.version).toBe(pkg.version);
    expect(ctl?.['api-version']).toBe(installedVersion('@types/powerapps-component-framework', projectDir));
    const [builtBy] = attributes(manifest, 'built-by');
    expect(builtBy?.version).toBe('1.51.1');
  });

  it('declares React 16.14.0 and Fluent 8.121.1 platform libraries, within what pcf-scripts allows', () => {
    const manifest = readFileSync(join(dir, 'ControlManifest.xml'), 'utf8');
    const libraries = Object.fromEntries(attributes(manifest, 'platform-library').map((lib) => [lib.name, lib.version]));
    expect(libraries).toEqual({ React: '16.14.0', Fluent: '8.121.1' });
    // the versions really used by the code are the ones declared
    expect(installedVersion('react', projectDir)).toBe('16.14.0');
    expect(installedVersion('@fluentui/react', projectDir)).toBe('8.121.1');

    const allowed = JSON.parse(
      readFileSync(require.resolve('pcf-scripts/PlatformLibraryVersions.json', { paths: [projectDir] }), 'utf8'),
    ) as Record<string, { minVersion: string; maxVersion: string }[]>;
    const within = (ranges: { minVersion: string; maxVersion: string }[] | undefined, version: string) =>
      (ranges ?? []).some((r) => compareVersions(version, r.minVersion) >= 0 && compareVersions(version, r.maxVersion) <= 0);
    expect(within(allowed['react'], '16.14.0')).toBe(true);
    expect(within(allowed['fluent'], '8.121.1')).toBe(true);
  });

  it('lists its code, its 1033 strings and the features it calls', () => {
    const manifest = readFileSync(join(dir, 'ControlManifest.xml'), 'utf8');
    expect(attributes(manifest, 'code')).toEqual([{ path: 'bundle.js', order: '1' }]);
    const [resx] = attributes(manifest, 'resx');
    expect(resx?.path).toBe(`strings/${control.constructorName}.1033.resx`);
    expect(existsSync(join(dir, resx?.path ?? 'missing'))).toBe(true);
    expect(attributes(manifest, 'uses-feature').map((f) => f.name).sort()).toEqual([...control.features].sort());
  });

  it('keeps React and Fluent out of a small bundle (< 50 KB) that uses the platform globals', () => {
    const size = statSync(join(dir, 'bundle.js')).size;
    expect(size).toBeLessThan(MAX_BUNDLE_BYTES);
    const bundle = readFileSync(join(dir, 'bundle.js'), 'utf8');
    expect(bundle).toMatch(/\bReactv16\b/);
    expect(bundle).toMatch(/\bFluentUIReactv81211\b/);
    // React's own source is not in it
    expect(bundle).not.toContain('__SECRET_INTERNALS_DO_NOT_USE_OR_YOU_WILL_BE_FIRED');
    // minified production code, not a development build
    expect(bundle.split('\n').length).toBeLessThan(20);
  });
});

describe('PendingStubs manifest dataset', () => {
  it('binds one dataset with an optional property-set per ec_stub column the grid shows', () => {
    const manifest = readFileSync(join(outDir(controls[0] as ControlSpec), 'ControlManifest.xml'), 'utf8');
    expect(attributes(manifest, 'data-set').map((d) => d.name)).toEqual(['stubs']);
    const sets = Object.fromEntries(attributes(manifest, 'property-set').map((p) => [p.name, p['of-type']]));
    expect(sets).toEqual({
      stubTable: 'SingleLine.Text',
      recordName: 'SingleLine.Text',
      recordKey: 'SingleLine.Text',
      recordId: 'SingleLine.Text',
      stubState: 'OptionSet',
      createdOn: 'DateAndTime.DateAndTime',
      attempts: 'Whole.None',
      lastError: 'Multiple',
      hydrationRequestedOn: 'DateAndTime.DateAndTime',
      hydratedOn: 'DateAndTime.DateAndTime',
    });
    // none required: the solution leaves them unbound and the control reads the ec_stub column of each
    expect(attributes(manifest, 'property-set').filter((p) => p.required !== 'false' || p.usage !== 'bound').map((p) => p.name)).toEqual([]);
    const [stale] = attributes(manifest, 'property');
    expect(stale).toMatchObject({ name: 'staleAfterMinutes', 'of-type': 'Whole.None', usage: 'input', 'default-value': '60' });
  });
});

describe('build wrapper judges the pcf-scripts log, not its exit code', () => {
  const script = join(pcfRoot, 'scripts', 'build-all.mjs');
  const judge = (log: string): string[] => {
    const result = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { problemsInLog } from ${JSON.stringify(script)}; process.stdout.write(JSON.stringify(problemsInLog(process.argv[1])));`,
        log,
      ],
      { encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(result.stderr);
    return JSON.parse(result.stdout) as string[];
  };
  // real pcf-scripts 1.51.1 logs, kept as .txt (the repository ignores *.log)
  const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

  it('accepts a real successful build log', () => {
    expect(judge(fixture('success.txt'))).toEqual([]);
  });

  it.each([
    ['eslint-error.txt', /pcf-1065/],
    ['typescript-error.txt', /ERROR in .*CurrentRecord\.ts/],
    ['manifest-error.txt', /pcf-1063/],
  ])('fails on a real pcf-scripts failure log (%s), which pcf-scripts itself exits 0 on', (name, line) => {
    const problems = judge(fixture(name));
    expect(problems.some((problem) => line.test(problem))).toBe(true);
    expect(problems).toContain('no "[build] Succeeded" in the pcf-scripts log');
  });

  it('fails when an error line appears even if the log also says Succeeded', () => {
    expect(judge(`${fixture('success.txt')}\n[pcf-1014] [Error] Manifest validation problem: x`)).toHaveLength(1);
  });
});
