/**
 * The tracking table as the solution ships it must be the table docs/data-model.md defines, so the API, the
 * local Dataverse schema, the PCF control and the solution cannot drift apart. Read from
 * solution/src (what is reviewed) and from the packed zip (what is imported).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';

import { writeDeterministicZip } from '../../solution/tools/deterministicZip';
import { packSolution } from '../../solution/tools/solutionSourcePacker';
import { childAt, childElements, decodeUtf8, descendants, parseXml, textOf, type XmlElement } from '../../solution/tools/xmlDocument';
import { DefaultColumnOfPropertySet } from '../../pcf-control/pending-stubs/PendingStubs/ManifestConstants';
import { connectorStandIn, controlBuildStandIns, REPOSITORY_ROOT } from './solutionFixtures';

const SOURCE = path.join(REPOSITORY_ROOT, 'solution', 'src');

/** docs/data-model.md: table ec_stub, written once here as data. */
const DESIGN = {
  table: 'ec_stub',
  entitySet: 'ec_stubs',
  displayName: 'Stub record',
  primaryName: 'ec_name',
  alternateKey: { name: 'ec_stub_record', columns: ['ec_table', 'ec_recordid'] },
  publisher: { uniqueName: 'dataverseensure', displayName: 'Dataverse Ensure', prefix: 'ec', optionValuePrefix: '10000' },
  solution: 'DataverseEnsure',
  columns: [
    { name: 'ec_stubid', type: 'primarykey' },
    { name: 'ec_name', type: 'nvarchar', maxLength: 400 },
    { name: 'ec_table', type: 'nvarchar', maxLength: 128 },
    { name: 'ec_recordid', type: 'nvarchar', maxLength: 36 },
    { name: 'ec_key', type: 'nvarchar', maxLength: 1000 },
    { name: 'ec_recordname', type: 'nvarchar', maxLength: 400 },
    { name: 'ec_sourceinstance', type: 'nvarchar', maxLength: 100 },
    { name: 'ec_stubstate', type: 'picklist', options: { 100000000: 'Pending', 100000001: 'Hydrated', 100000002: 'Abandoned' } },
    { name: 'ec_attempts', type: 'int' },
    { name: 'ec_lasterror', type: 'ntext', maxLength: 4000 },
    { name: 'ec_hydrationrequestedon', type: 'datetime' },
    { name: 'ec_hydratedon', type: 'datetime' },
    { name: 'ec_secondstohydrate', type: 'int' },
    { name: 'ec_origin', type: 'nvarchar', maxLength: 400 },
  ],
} as const;

/** System columns a complete exported user-owned table carries (modelled on an exported table). */
const SYSTEM_COLUMNS = ['createdby', 'createdon', 'createdonbehalfby', 'importsequencenumber', 'modifiedby', 'modifiedon', 'modifiedonbehalfby', 'overriddencreatedon', 'ownerid', 'owningbusinessunit', 'owningteam', 'owninguser', 'statecode', 'statuscode', 'timezoneruleversionnumber', 'utcconversiontimezonecode'];

interface Column {
  readonly name: string;
  readonly type: string;
  readonly maxLength?: number;
  readonly options?: Record<number, string>;
  readonly custom: boolean;
  readonly displayMask: string;
}

function root(text: string): XmlElement {
  const parsed = parseXml(text);
  if (!parsed.root) throw new Error(parsed.errors.join('; '));
  return parsed.root;
}

function columnsOf(entity: XmlElement): Column[] {
  const attributes = childAt(entity, 'EntityInfo', 'entity', 'attributes') as XmlElement;
  return childElements(attributes, 'attribute').map((attribute) => {
    const type = textOf(childAt(attribute, 'Type')) ?? '';
    const maxLength = textOf(childAt(attribute, 'MaxLength'));
    const optionSet = childAt(attribute, 'optionset');
    const options = optionSet && type === 'picklist'
      ? Object.fromEntries(descendants(optionSet, 'option').map((option) => [Number(option.getAttribute('value')), descendants(option, 'label')[0]?.getAttribute('description') ?? '']))
      : undefined;
    return {
      name: textOf(childAt(attribute, 'LogicalName')) ?? '',
      type,
      ...(type === 'nvarchar' || type === 'ntext' ? { maxLength: Number(maxLength) } : {}),
      ...(options ? { options } : {}),
      custom: textOf(childAt(attribute, 'IsCustomField')) === '1' || type === 'primarykey',
      displayMask: textOf(childAt(attribute, 'DisplayMask')) ?? '',
    };
  });
}

function expectDesignTable(entity: XmlElement): void {
  expect(textOf(childAt(entity, 'Name'))?.toLowerCase()).toBe(DESIGN.table);
  const definition = childAt(entity, 'EntityInfo', 'entity') as XmlElement;
  expect(textOf(childAt(definition, 'EntitySetName'))).toBe(DESIGN.entitySet);
  expect(descendants(childAt(definition, 'LocalizedNames') as XmlElement, 'LocalizedName')[0]?.getAttribute('description')).toBe(DESIGN.displayName);
  expect(textOf(childAt(definition, 'OwnershipTypeMask'))).toBe('UserOwned');

  const columns = columnsOf(entity);
  const ours = columns.filter((column) => column.custom).map(({ name, type, maxLength, options }) => ({ name, type, ...(maxLength !== undefined ? { maxLength } : {}), ...(options ? { options } : {}) }));
  const expected = DESIGN.columns.map((column) => ({ ...column, ...('options' in column ? { options: { ...column.options } } : {}) }));
  expect(ours.sort((a, b) => a.name.localeCompare(b.name))).toEqual([...expected].sort((a, b) => a.name.localeCompare(b.name)));
  expect(columns.filter((column) => column.displayMask.split('|').includes('PrimaryName')).map((column) => column.name)).toEqual([DESIGN.primaryName]);
  expect(columns.filter((column) => !column.custom).map((column) => column.name).sort()).toEqual(SYSTEM_COLUMNS);

  const keys = descendants(definition, 'EntityKey');
  expect(keys.map((key) => textOf(childAt(key, 'LogicalName')))).toEqual([DESIGN.alternateKey.name]);
  expect(descendants(keys[0] as XmlElement, 'AttributeName').map((element) => textOf(element))).toEqual([...DESIGN.alternateKey.columns]);
}

describe('the ec_stub table matches docs/data-model.md', () => {
  test('in solution/src/Entities/ec_Stub/Entity.xml', async () => {
    expectDesignTable(root(await fs.readFile(path.join(SOURCE, 'Entities', 'ec_Stub', 'Entity.xml'), 'utf8')));
  });

  test('in the packed zip, with publisher and solution names', async () => {
    const entries = await packSolution({
      sourceDirectory: SOURCE,
      version: '0.1.0.0',
      managed: true,
      controls: await controlBuildStandIns(),
      connector: { directory: await connectorStandIn() },
    });
    const files = unzipSync(writeDeterministicZip(entries));
    const customizations = root(decodeUtf8(files['customizations.xml'] as Uint8Array));
    const entities = childElements(childAt(customizations, 'Entities') as XmlElement, 'Entity');
    // ec_stub, and account and contact carrying only the stub marker column (stub-marker.test.ts).
    expect(entities.map((entity) => textOf(childAt(entity, 'Name')))).toEqual(['Account', 'Contact', 'ec_Stub']);
    expectDesignTable(entities[2] as XmlElement);

    const manifest = childAt(root(decodeUtf8(files['solution.xml'] as Uint8Array)), 'SolutionManifest') as XmlElement;
    expect(textOf(childAt(manifest, 'UniqueName'))).toBe(DESIGN.solution);
    const publisher = childAt(manifest, 'Publisher') as XmlElement;
    expect(textOf(childAt(publisher, 'UniqueName'))).toBe(DESIGN.publisher.uniqueName);
    expect(descendants(publisher, 'LocalizedName')[0]?.getAttribute('description')).toBe(DESIGN.publisher.displayName);
    expect(textOf(childAt(publisher, 'CustomizationPrefix'))).toBe(DESIGN.publisher.prefix);
    expect(textOf(childAt(publisher, 'CustomizationOptionValuePrefix'))).toBe(DESIGN.publisher.optionValuePrefix);
  });
});

describe('views, form, app and roles around the table', () => {
  async function sourceRoot(...parts: string[]): Promise<XmlElement> {
    return root(await fs.readFile(path.join(SOURCE, ...parts), 'utf8'));
  }

  async function views(): Promise<Map<string, XmlElement>> {
    const directory = path.join(SOURCE, 'Entities', 'ec_Stub', 'SavedQueries');
    const result = new Map<string, XmlElement>();
    for (const file of await fs.readdir(directory)) {
      const view = childAt(await sourceRoot('Entities', 'ec_Stub', 'SavedQueries', file), 'savedquery') as XmlElement;
      result.set(descendants(view, 'LocalizedName')[0]?.getAttribute('description') ?? '', view);
    }
    return result;
  }

  test('"Pending stubs" is the default view: Pending only, oldest first', async () => {
    const view = (await views()).get('Pending stubs') as XmlElement;
    expect(textOf(childAt(view, 'isdefault'))).toBe('1');
    const conditions = descendants(view, 'condition').map((condition) => `${condition.getAttribute('attribute')} ${condition.getAttribute('operator')} ${condition.getAttribute('value')}`);
    expect(conditions).toContain('ec_stubstate eq 100000000');
    expect(descendants(view, 'order').map((order) => `${order.getAttribute('attribute')} ${order.getAttribute('descending')}`)).toEqual(['createdon false']);
  });

  test('"Hydrated stubs" and "All stubs" exist; only one public view is the default', async () => {
    const all = await views();
    expect([...all.keys()].sort()).toEqual(['All stubs', 'Hydrated stubs', 'Pending stubs', 'Quick Find Stub records']);
    expect(descendants(all.get('Hydrated stubs') as XmlElement, 'condition').map((c) => c.getAttribute('value'))).toContain('100000001');
    expect(descendants(all.get('All stubs') as XmlElement, 'condition').filter((c) => c.getAttribute('attribute') === 'ec_stubstate')).toEqual([]);
    const defaults = [...all.values()].filter((view) => textOf(childAt(view, 'isdefault')) === '1' && textOf(childAt(view, 'querytype')) === '0');
    expect(defaults).toHaveLength(1);
  });

  test('every view fetches, and lays out, every column the PendingStubs control reads', async () => {
    // The control renders every ec_stub view (the table's grid control) and reads each property-set
    // from the ec_stub column of the same meaning when it is left unbound, so a view without one of
    // them shows an empty Record (name, key), state or error.
    const needed = Object.values(DefaultColumnOfPropertySet).sort();
    expect(needed).toEqual(expect.arrayContaining(['ec_key', 'ec_recordid', 'ec_recordname', 'ec_table']));
    for (const [name, view] of await views()) {
      const fetched = descendants(view, 'attribute').map((attribute) => attribute.getAttribute('name'));
      expect({ view: name, missing: needed.filter((column) => !fetched.includes(column)) }).toEqual({ view: name, missing: [] });
      if (textOf(childAt(view, 'isquickfindquery')) === '1') continue; // its cells are the search results' columns
      // the dataset's columns are the view's cells: only those can be sorted
      const cells = descendants(view, 'cell').map((cell) => cell.getAttribute('name'));
      expect({ view: name, notInLayout: needed.filter((column) => !cells.includes(column)) }).toEqual({ view: name, notInLayout: [] });
      expect(cells.filter((cell) => !fetched.includes(cell))).toEqual([]);
    }
  });

  test('the integration role has exactly create, read, write, append, append to on ec_stub (no delete)', async () => {
    const role = await sourceRoot('Roles', 'Dataverse Ensure Integration.xml');
    expect(role.getAttribute('name')).toBe('Dataverse Ensure Integration');
    expect(descendants(role, 'RolePrivilege').map((privilege) => privilege.getAttribute('name')).sort()).toEqual(
      ['prvAppendToec_Stub', 'prvAppendec_Stub', 'prvCreateec_Stub', 'prvReadec_Stub', 'prvWriteec_Stub'].sort(),
    );
  });

  test('the people role only reads ec_stub', async () => {
    const role = await sourceRoot('Roles', 'Dataverse Ensure Stub Reader.xml');
    expect(descendants(role, 'RolePrivilege').map((privilege) => privilege.getAttribute('name'))).toEqual(['prvReadec_Stub']);
  });

  test('the Stub Monitor app opens on ec_stub, whose default view is Pending stubs, and lets the reader role in', async () => {
    const app = await sourceRoot('AppModules', 'ec_StubMonitor', 'AppModule.xml');
    expect(descendants(app, 'LocalizedName')[0]?.getAttribute('description')).toBe('Stub Monitor');
    const siteMap = await sourceRoot('AppModuleSiteMaps', 'ec_StubMonitor', 'AppModuleSiteMap.xml');
    expect(descendants(siteMap, 'SubArea')[0]?.getAttribute('Entity')).toBe('ec_stub');
    const reader = (await sourceRoot('Roles', 'Dataverse Ensure Stub Reader.xml')).getAttribute('id');
    expect(descendants(app, 'Role').map((role) => role.getAttribute('id'))).toContain(reader);
  });

  test('the main form hosts the PendingStubs control on its subgrid', async () => {
    const directory = path.join(SOURCE, 'Entities', 'ec_Stub', 'FormXml', 'main');
    const [file] = await fs.readdir(directory);
    const form = await sourceRoot('Entities', 'ec_Stub', 'FormXml', 'main', file as string);
    const subgrid = descendants(form, 'control').find((control) => control.getAttribute('indicationOfSubgrid') === 'true') as XmlElement;
    const description = descendants(form, 'controlDescription').find((d) => d.getAttribute('forControl') === subgrid.getAttribute('uniqueid')) as XmlElement;
    expect(descendants(description, 'customControl').map((c) => c.getAttribute('name')).filter(Boolean)).toEqual(Array(3).fill('ec_DataverseEnsure.PendingStubs'));
  });
});
