/**
 * The settings tables people read stay equal to what the loader does: the root README's configuration
 * reference (setting, variable, default) and api/src/config/README.md's environment table (variable,
 * setting, how the text is read) against the schema (`SettingsSchema`), the environment tables
 * (`environmentVariables.ts`) and the defaults each layer defines — both ways: nothing documented that
 * does not exist, nothing that exists left undocumented. The queue's and the reconciler's READMEs repeat
 * their settings with defaults: held to the code the same way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { DEFAULTS } from '../../../api/src/config';
import { COALESCING_DEFAULTS } from '../../../api/src/dataverse/coalescing/CoalescingSettings';
import { ConfigFileSchema, ENVIRONMENT_ONLY_KEYS } from '../../../api/src/config/ConfigSchema';
import { ENVIRONMENT_SETTINGS, INSTANCE_SETTINGS, OTHER_VARIABLES } from '../../../api/src/config/environmentVariables';
import { QUEUE_DEFAULTS, QueueSettingsSchema } from '../../../api/src/queue/QueueSettings';
import { RECONCILER_DEFAULTS, ReconcilerSettingsSchema } from '../../../api/src/reconciler/ReconcilerSettings';
import { DEFAULT_RESILIENCE_SETTINGS } from '../../../api/src/resilience/ResilienceSettings';
import { WEBHOOK_DEFAULTS } from '../../../api/src/webhooks/WebhookSettings';

const ROOT = join(__dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The rows (cells, trimmed) of the markdown table whose header line starts with `header`. */
function tableRows(markdown: string, header: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith(header));
  if (start < 0) throw new Error(`no table headed "${header}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|').slice(1, -1).map((cell) => cell.trim()));
  }
  return rows;
}
const codes = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
/** The setting keys a cell starts with (`a.b`, `.c` → `a.c`); what follows them is commentary. */
function settingKeys(cell: string): string[] {
  const run = /^`[^`]+`(, `[^`]+`)*/.exec(cell)?.[0] ?? '';
  const keys: string[] = [];
  for (const key of codes(run)) keys.push(key.startsWith('.') ? keys[keys.length - 1]!.replace(/\.[^.]+$/, key) : key);
  return keys;
}
const isVariable = (code: string) => /^[A-Z][A-Z0-9_]*(<NAME>[A-Z0-9_*]*)?$/.test(code);

/** Every leaf of a schema as a documented path: records as `<name>` (instances) or `<table>`, arrays as `[]`. */
function leaves(schema: z.ZodType, path: string): string[] {
  const def = (schema as unknown as { def: Record<string, unknown> & { type: string } }).def;
  switch (def.type) {
    case 'optional':
    case 'default':
      return leaves(def['innerType'] as z.ZodType, path);
    case 'never':
      return []; // a secret refused from the file: documented as its variable
    case 'object':
      return Object.entries((schema as unknown as z.ZodObject).shape).flatMap(([key, value]) => leaves(value as z.ZodType, path ? `${path}.${key}` : key));
    case 'record': {
      const placeholder = path === 'instances' ? '<name>' : path.endsWith('.columns') && path.includes('stubDefaults') ? '<column>' : '<table>';
      return leaves(def['valueType'] as z.ZodType, `${path}.${placeholder}`);
    }
    case 'array':
      return path === 'apiKeys' ? leaves(def['element'] as z.ZodType, `${path}[]`) : [path];
    case 'union': {
      const options = def['options'] as z.ZodType[];
      const objects = options.every((option) => (option as unknown as { def: { type: string } }).def.type === 'object');
      return objects ? [...new Set(options.flatMap((option) => leaves(option, path)))] : [path];
    }
    default:
      return [path];
  }
}

const isUnder = (ancestor: string, path: string) => path.startsWith(`${ancestor}.`) || path.startsWith(`${ancestor}[]`);
/** The last named segment: `instances.<name>.local.memory` → `memory`. */
const lastName = (path: string) => path.split('.').filter((segment) => !segment.startsWith('<')).pop()!.replace('[]', '');

describe('the root README configuration reference', () => {
  const rows = tableRows(read('README.md'), '| setting (file) | environment | default | meaning |').map((cells) => ({
    keys: settingKeys(cells[0]!),
    variables: codes(cells[1]!).filter(isVariable),
    defaults: codes(cells[2]!).map((code) => code.replace(/(\d),(\d)/g, '$1$2')),
    text: cells.join(' | '),
  }));
  const documented = rows.flatMap((row) => row.keys);
  const fileLeaves = leaves(ConfigFileSchema, '').filter((path) => path !== '$schema'); // `$schema` only points editors at a JSON schema
  /** Where a path is documented: its own row, else the rows under its nearest documented ancestor. */
  const rowsFor = (path: string) => {
    const own = rows.filter((row) => row.keys.includes(path));
    if (own.length > 0) return { own: true, rows: own };
    const ancestor = documented.filter((key) => isUnder(key, path)).sort((a, b) => b.length - a.length)[0];
    return { own: false, rows: ancestor === undefined ? [] : rows.filter((row) => row.keys.some((key) => key === ancestor || isUnder(ancestor, key))) };
  };

  it('documents only settings the schema has', () => {
    const unknown = documented.filter((key) => !fileLeaves.some((leaf) => leaf === key || isUnder(key, leaf)));
    expect(unknown).toEqual([]);
  });

  it("documents every setting of the schema: in its own row, or named in its nearest documented ancestor's rows", () => {
    const missing = fileLeaves.filter((leaf) => {
      const found = rowsFor(leaf);
      return !found.own && !found.rows.some((row) => new RegExp(`\\b${lastName(leaf)}\\b`).test(row.text));
    });
    expect(missing).toEqual([]);
  });

  it('pairs each variable with the setting it sets, and names every variable the loader reads', () => {
    const wrong: string[] = [];
    for (const row of rows) {
      for (const variable of row.variables) {
        const instance = /^DVE_INSTANCE_<NAME>_(.+)$/.exec(variable);
        if (instance?.[1] === '*') continue;
        if (instance) {
          const setting = INSTANCE_SETTINGS.find((candidate) => candidate.suffix === instance[1]);
          const fits = setting && (setting.path ? row.keys.includes(`instances.<name>.${setting.path.join('.')}`) : row.keys.length === 0);
          if (!fits) wrong.push(variable);
          continue;
        }
        const setting = ENVIRONMENT_SETTINGS.find((candidate) => candidate.variable === variable);
        const path = setting?.path.join('.');
        const fits = setting
          ? row.keys.includes(path!) || (row.keys.length === 0 && (ENVIRONMENT_ONLY_KEYS as readonly string[]).includes(path!))
          : (OTHER_VARIABLES as readonly string[]).includes(variable);
        if (!fits) wrong.push(variable);
      }
    }
    expect(wrong).toEqual([]);
    const named = new Set(rows.flatMap((row) => row.variables));
    const variables = [
      ...ENVIRONMENT_SETTINGS.map((setting) => setting.variable),
      ...OTHER_VARIABLES,
      ...INSTANCE_SETTINGS.map((setting) => `DVE_INSTANCE_<NAME>_${setting.suffix}`),
    ];
    expect(variables.filter((variable) => !named.has(variable))).toEqual([]);
  });

  it('gives the defaults the code applies', () => {
    const defaults: [string, unknown][] = [
      ...Object.entries(DEFAULTS),
      ...Object.entries(QUEUE_DEFAULTS).map(([key, value]) => [`queue.${key}`, value] as [string, unknown]),
      ...Object.entries(RECONCILER_DEFAULTS).filter(([key]) => key !== 'columns').map(([key, value]) => [`reconciler.${key}`, value] as [string, unknown]),
      ...Object.entries(COALESCING_DEFAULTS).map(([key, value]) => [`coalescing.${key}`, value] as [string, unknown]),
      ['webhooks.maxSubscriptionsPerKey', WEBHOOK_DEFAULTS.maxSubscriptionsPerKey],
      ...Object.entries(DEFAULT_RESILIENCE_SETTINGS).filter(([, value]) => typeof value !== 'object').map(([key, value]) => [`instances.<name>.resilience.${key}`, value] as [string, unknown]),
    ];
    const wrong = defaults.flatMap(([path, value]) => {
      const found = rowsFor(path);
      if (found.own) {
        const row = found.rows[0]!;
        return row.defaults[row.keys.indexOf(path)] === String(value) ? [] : [`${path}: README ${row.defaults[row.keys.indexOf(path)]}, code ${String(value)}`];
      }
      // Documented inside an ancestor's row: "`maxAttempts` 4".
      return found.rows.some((row) => row.text.includes(`\`${lastName(path)}\` ${String(value)}`)) ? [] : [`${path}: code ${String(value)}, not in the README`];
    });
    expect(wrong).toEqual([]);
  });
});

describe("api/src/config/README.md's environment table", () => {
  const rows = tableRows(read('api/src/config/README.md'), '| variable | setting | read as |').map((cells) => ({
    variables: codes(cells[0]!),
    setting: cells[1]!.startsWith('—') ? undefined : codes(cells[1]!)[0],
    readAs: codes(cells[2]!)[0],
  }));
  const documented = rows.flatMap((row) => row.variables.map((variable) => ({ variable, setting: row.setting, readAs: row.readAs })));
  const expected = [
    ...ENVIRONMENT_SETTINGS.map((setting) => ({ variable: setting.variable, setting: setting.path.join('.'), readAs: setting.read.name })),
    ...INSTANCE_SETTINGS.map((setting) => ({
      variable: `DVE_INSTANCE_<NAME>_${setting.suffix}`,
      setting: setting.path ? `instances.<name>.${setting.path.join('.')}` : undefined,
      readAs: setting.read.name,
    })),
  ];

  it('lists every variable of environmentVariables.ts with its setting and reader, and nothing else', () => {
    const others = documented.filter((row) => (OTHER_VARIABLES as readonly string[]).includes(row.variable));
    expect(others.map((row) => row.variable).sort()).toEqual([...OTHER_VARIABLES].sort());
    expect(documented.filter((row) => !others.includes(row))).toEqual(expected);
  });
});

describe("the layers' own settings tables (queue, reconciler)", () => {
  const cases = [
    { readme: 'api/src/queue/README.md', header: '| setting | default | meaning |', prefix: 'queue.', schema: QueueSettingsSchema, defaults: QUEUE_DEFAULTS },
    { readme: 'api/src/reconciler/README.md', header: '| setting | default | meaning |', prefix: '', schema: ReconcilerSettingsSchema, defaults: RECONCILER_DEFAULTS },
  ];
  it.each(cases)('$readme lists every setting of its schema with the default the code applies, and nothing else', ({ readme, header, prefix, schema, defaults }) => {
    const rows = tableRows(read(readme), header)
      .map((cells) => ({ key: codes(cells[0]!)[0] ?? '', shown: codes(cells[1]!)[0] ?? cells[1]!.split(' ')[0]! }))
      .filter((row) => row.key.startsWith(prefix) && /^[a-z.]+$/i.test(row.key))
      .map((row) => [row.key.slice(prefix.length), row.shown]);
    const expected = Object.keys(schema.shape).map((key) => [key, JSON.stringify((defaults as Record<string, unknown>)[key])]);
    expect(rows).toEqual(expected);
  });
});
