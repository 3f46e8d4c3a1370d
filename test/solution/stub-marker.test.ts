/**
 * The stub marker column `ec_isstub` as the solution ships it (docs/stub-marker.md): a Yes/No column on
 * account and contact, default No, in both zips; the views that leave stubs out (treating an empty
 * value, which rows that existed before the column have, as "not a stub") and list them; the Stub
 * Monitor app showing both. The local Dataverse's default schema must describe the same column.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';

import { Schema } from '../../api/src/local-dataverse/schema/TableSchema';
import { DEFAULT_SCHEMA_PATH } from '../../api/src/local-dataverse/schema/defaultSchema';
import { writeDeterministicZip } from '../../solution/tools/deterministicZip';
import { packSolution } from '../../solution/tools/solutionSourcePacker';
import { childAt, childElements, decodeUtf8, descendants, parseXml, textOf, type XmlElement } from '../../solution/tools/xmlDocument';
import { connectorStandIn, controlBuildStandIns, REPOSITORY_ROOT } from './solutionFixtures';

const SOURCE = path.join(REPOSITORY_ROOT, 'solution', 'src');
const TABLES = [
  { schemaName: 'Account', logicalName: 'account', plural: 'accounts' },
  { schemaName: 'Contact', logicalName: 'contact', plural: 'contacts' },
] as const;

function root(text: string): XmlElement {
  const parsed = parseXml(text);
  if (!parsed.root) throw new Error(parsed.errors.join('; '));
  return parsed.root;
}

async function sourceRoot(...parts: string[]): Promise<XmlElement> {
  return root(await fs.readFile(path.join(SOURCE, ...parts), 'utf8'));
}

function attributesOf(entity: XmlElement): XmlElement[] {
  return childElements(childAt(entity, 'EntityInfo', 'entity', 'attributes') as XmlElement, 'attribute');
}

/** The marker column as the tests compare it. */
function describeMarker(attribute: XmlElement) {
  const optionSet = childAt(attribute, 'optionset') as XmlElement;
  return {
    physicalName: attribute.getAttribute('PhysicalName'),
    type: textOf(childAt(attribute, 'Type')),
    logicalName: textOf(childAt(attribute, 'LogicalName')),
    custom: textOf(childAt(attribute, 'IsCustomField')),
    requiredLevel: textOf(childAt(attribute, 'RequiredLevel')),
    validForCreate: textOf(childAt(attribute, 'ValidForCreateApi')),
    validForUpdate: textOf(childAt(attribute, 'ValidForUpdateApi')),
    defaultValue: textOf(childAt(attribute, 'AppDefaultValue')),
    optionSetType: textOf(childAt(optionSet, 'OptionSetType')),
    options: descendants(optionSet, 'option').map((option) => [option.getAttribute('value'), descendants(option, 'label')[0]?.getAttribute('description')]),
    displayName: childElements(childAt(attribute, 'displaynames') as XmlElement, 'displayname')[0]?.getAttribute('description'),
    description: childElements(childAt(attribute, 'Descriptions') as XmlElement, 'Description')[0]?.getAttribute('description'),
  };
}

const MARKER = {
  physicalName: 'ec_IsStub',
  type: 'bit',
  logicalName: 'ec_isstub',
  custom: '1',
  requiredLevel: 'none',
  validForCreate: '1',
  validForUpdate: '1',
  defaultValue: '0',
  optionSetType: 'bit',
  options: [
    ['1', 'Yes'],
    ['0', 'No'],
  ],
  displayName: 'Is stub',
  description: expect.stringMatching(/stub/),
};

async function views(schemaName: string): Promise<Map<string, XmlElement>> {
  const directory = path.join(SOURCE, 'Entities', schemaName, 'SavedQueries');
  const result = new Map<string, XmlElement>();
  for (const file of await fs.readdir(directory)) {
    const view = childAt(await sourceRoot('Entities', schemaName, 'SavedQueries', file), 'savedquery') as XmlElement;
    result.set(descendants(view, 'LocalizedName')[0]?.getAttribute('description') ?? '', view);
  }
  return result;
}

/** A FetchXML filter as text: `and(statecode eq 0, or(ec_isstub eq 0, ec_isstub null))`. */
function filterText(filter: XmlElement): string {
  const parts = childElements(filter).map((child) =>
      child.tagName === 'filter'
        ? filterText(child)
        : [child.getAttribute('attribute'), child.getAttribute('operator'), child.getAttribute('value')].filter((part) => part !== null && part !== '').join(' '),
    );
  return `${filter.getAttribute('type') ?? 'and'}(${parts.join(', ')})`;
}

function viewFilter(view: XmlElement): string {
  const entity = descendants(view, 'entity')[0] as XmlElement;
  return filterText(childAt(entity, 'filter') as XmlElement);
}

describe.each(TABLES)('$logicalName.ec_isstub', ({ schemaName, logicalName, plural }) => {
  test('solution/src defines only the marker column on the table, a Yes/No column defaulting to No', async () => {
    const entity = await sourceRoot('Entities', schemaName, 'Entity.xml');
    expect(textOf(childAt(entity, 'Name'))).toBe(schemaName);
    const attributes = attributesOf(entity);
    expect(attributes).toHaveLength(1);
    expect(describeMarker(attributes[0] as XmlElement)).toEqual(MARKER);
  });

  test('solution.xml includes the table as a shell (behavior 2), not the whole system table', async () => {
    const manifest = await sourceRoot('Other', 'Solution.xml');
    const roots = descendants(manifest, 'RootComponent').filter((component) => component.getAttribute('schemaName') === logicalName);
    expect(roots.map((component) => [component.getAttribute('type'), component.getAttribute('behavior')])).toEqual([['1', '2']]);
  });

  test(`"Active ${plural} (not stubs)" treats No and empty as not a stub; "Stub ${plural}" lists Yes`, async () => {
    const all = await views(schemaName);
    expect([...all.keys()].sort()).toEqual([`Active ${plural} (not stubs)`, `Stub ${plural}`]);
    const notStubs = all.get(`Active ${plural} (not stubs)`) as XmlElement;
    // `ne 1` would leave out the rows whose value is empty (SQL comparison with null), so: eq 0 or null.
    expect(viewFilter(notStubs)).toBe('and(statecode eq 0, or(ec_isstub eq 0, ec_isstub null))');
    expect(viewFilter(all.get(`Stub ${plural}`) as XmlElement)).toBe('and(statecode eq 0, ec_isstub eq 1)');
    for (const view of all.values()) {
      expect(descendants(view, 'entity')[0]?.getAttribute('name')).toBe(logicalName);
      expect(descendants(view, 'cell').map((cell) => cell.getAttribute('name'))).toContain('ec_isstub');
      expect(textOf(childAt(view, 'isdefault'))).toBe('0'); // the table's own default view stays the default
    }
  });

  test('the Stub Monitor app shows the table with both views, from its site map', async () => {
    const app = await sourceRoot('AppModules', 'ec_StubMonitor', 'AppModule.xml');
    const components = descendants(app, 'AppModuleComponent');
    expect(components.some((component) => component.getAttribute('type') === '1' && component.getAttribute('schemaName') === logicalName)).toBe(true);
    const viewIds = [...(await views(schemaName)).values()].map((view) => textOf(childAt(view, 'savedqueryid')));
    for (const id of viewIds) expect(components.some((component) => component.getAttribute('type') === '26' && component.getAttribute('id') === id)).toBe(true);
    const siteMap = await sourceRoot('AppModuleSiteMaps', 'ec_StubMonitor', 'AppModuleSiteMap.xml');
    expect(descendants(siteMap, 'SubArea').map((subArea) => subArea.getAttribute('Entity'))).toContain(logicalName);
  });

  test('the local Dataverse default schema has the same column: boolean, default false', () => {
    const column = Schema.fromFile(DEFAULT_SCHEMA_PATH).table(logicalName)?.columns.get('ec_isstub');
    expect(column).toEqual({ type: 'boolean', default: false, trueLabel: 'Yes', falseLabel: 'No' });
  });
});

test.each([false, true])('the packed zip (managed=%s) carries the marker column on account and contact', async (managed) => {
  const entries = await packSolution({
    sourceDirectory: SOURCE,
    version: '0.1.0.0',
    managed,
    controls: await controlBuildStandIns(),
    connector: { directory: await connectorStandIn() },
  });
  const files = unzipSync(writeDeterministicZip(entries));
  const customizations = root(decodeUtf8(files['customizations.xml'] as Uint8Array));
  const entities = childElements(childAt(customizations, 'Entities') as XmlElement, 'Entity');
  for (const { schemaName, plural } of TABLES) {
    const entity = entities.find((candidate) => textOf(childAt(candidate, 'Name')) === schemaName) as XmlElement;
    expect(attributesOf(entity).map(describeMarker)).toEqual([MARKER]);
    expect(descendants(entity, 'LocalizedName').map((name) => name.getAttribute('description')).sort()).toEqual([`Active ${plural} (not stubs)`, `Stub ${plural}`]);
  }
});
