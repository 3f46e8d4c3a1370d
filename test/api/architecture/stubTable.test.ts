/**
 * The `ec_stub` table has one owner: outside the local Dataverse (an emulator of the whole Web API) and
 * the stub folder (api/src/core/stubs), no product source names its entity set or one of its columns
 * in code — no filter, no row body, no `$select`. Comments and prose may mention them; identifiers,
 * string and template literals may not. The columns come from the stub folder itself, so a column
 * added there is covered at once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import { STUB_COLUMNS, STUB_ENTITY_SET } from '../../../api/src/core/stubs/StubTable';

const root = join(__dirname, '..', '..', '..');
const OWNERS = ['api/src/local-dataverse/', 'api/src/core/stubs/'];
/**
 * Named on purpose, with the reason. The preview's PATCH body is the PendingStubs control's own update
 * of the row (`{ ec_hydrationrequestedon }`, written by the control's code); the router validates it and
 * hands the time to `EnsureService.requestHydration`.
 */
const ALLOWED: Record<string, readonly string[]> = {
  'api/src/http/preview/previewPage.ts': ['ec_hydrationrequestedon'],
  'api/src/http/preview/previewTypes.ts': ['ec_hydrationrequestedon'],
};

const NAMES = [STUB_ENTITY_SET, ...STUB_COLUMNS.filter((column) => column.startsWith('ec_'))];
const NAME = new RegExp(`\\b(${NAMES.join('|')})\\b`, 'g');

/** The stub table names a source uses in code (identifiers and literals; never comments or JSX prose). */
export function stubNamesIn(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) || ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      for (const match of node.text.matchAll(NAME)) found.add(match[1]!);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return [...found].sort();
}

function sources(folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

describe('the ec_stub table is touched from one folder', () => {
  it('finds names in code, not in comments', () => {
    const probe = [
      '// a comment may say ec_stubstate and ec_stubs',
      "const rows = client.query('ec_stubs', { select: ['ec_stubstate'] });",
      'const filter = `ec_attempts eq ${n}`;',
      'const body = { ec_lasterror: null };',
      'const state = row.ec_hydratedon;',
    ].join('\n');
    expect(stubNamesIn('api/src/reconciler/Probe.ts', probe)).toEqual(['ec_attempts', 'ec_hydratedon', 'ec_lasterror', 'ec_stubs', 'ec_stubstate']);
    expect(stubNamesIn('api/src/http/Probe.tsx', 'const el = <p>the ec_stub rows, ec_stubstate</p>;')).toEqual([]);
  });

  it('no product source outside the stub folder and the local Dataverse names its entity set or columns', () => {
    const offenders = sources('api/src')
      .map((file) => file.split(sep).join('/'))
      .filter((file) => !OWNERS.some((owner) => file.startsWith(owner)))
      .flatMap((file) => {
        const names = stubNamesIn(file, readFileSync(join(root, file), 'utf8')).filter((name) => !(ALLOWED[file] ?? []).includes(name));
        return names.length > 0 ? [`${relative(root, join(root, file))}: ${names.join(', ')}`] : [];
      });
    expect(offenders).toEqual([]);
  });

  it('nothing outside the stub folder imports its table constants (StubTable.ts, PendingStubs.ts): only the folder’s index', () => {
    const deep = sources('api/src')
      .filter((file) => !file.startsWith('api/src/core/stubs/'))
      .filter((file) => /from '[^']*stubs\/(StubTable|PendingStubs)'/.test(readFileSync(join(root, file), 'utf8')));
    expect(deep).toEqual([]);
  });
});
