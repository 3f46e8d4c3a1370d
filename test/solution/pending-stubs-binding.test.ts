/**
 * The PendingStubs grid as the solution places it (the ec_stub table's grid control and the main
 * form's subgrid) binds none of the control's property-sets: no public export shows how FormXml
 * writes such a binding. That is complete only while the manifest requires none of them (the control
 * then reads the ec_stub column of the same name), so this test ties the two together.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { childElements, descendants, parseXml, type XmlElement } from '../../solution/tools/xmlDocument';
import { DATASET_NAME, PropertySet } from '../../pcf-control/pending-stubs/PendingStubs/ManifestConstants';
import { REPOSITORY_ROOT } from './solutionFixtures';

const SOURCE = path.join(REPOSITORY_ROOT, 'solution', 'src');
const MANIFEST = path.join(REPOSITORY_ROOT, 'pcf-control', 'pending-stubs', 'PendingStubs', 'ControlManifest.Input.xml');
const CONTROL = 'ec_DataverseEnsure.PendingStubs';
/** What a data-set parameter of a grid configuration carries besides bindings: the view it shows. */
const VIEW_PARAMETERS = ['EnableViewPicker', 'IsUserView', 'RelationshipName', 'TargetEntityType', 'ViewId', 'ViewIds'];

async function rootOf(file: string): Promise<XmlElement> {
  const parsed = parseXml(await fs.readFile(file, 'utf8'));
  if (!parsed.root) throw new Error(`${file}: ${parsed.errors.join('; ')}`);
  return parsed.root;
}

async function xmlFiles(directory: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await fs.readdir(directory, { withFileTypes: true })) {
    const child = path.join(directory, entry.name);
    if (entry.isDirectory()) files.push(...(await xmlFiles(child)));
    else if (entry.name.endsWith('.xml')) files.push(child);
  }
  return files;
}

interface Configuration {
  readonly file: string;
  readonly formFactor: string | null;
  readonly dataSet: XmlElement | undefined;
}

/** Every customControl of solution/src that configures PendingStubs. */
async function configurations(): Promise<Configuration[]> {
  const found: Configuration[] = [];
  for (const file of await xmlFiles(SOURCE)) {
    for (const control of descendants(await rootOf(file), 'customControl')) {
      if (control.getAttribute('name') !== CONTROL) continue;
      const dataSet = descendants(control, 'data-set').find((element) => element.getAttribute('name') === DATASET_NAME);
      found.push({ file: path.relative(SOURCE, file).split(path.sep).join('/'), formFactor: control.getAttribute('formFactor'), dataSet });
    }
  }
  return found;
}

/** Property-set names a configuration mentions anywhere: as an element, or as an attribute value. */
function propertySetsNamedIn(element: XmlElement): string[] {
  const names: string[] = Object.values(PropertySet);
  const mentioned = new Set<string>();
  for (const node of [element, ...descendants(element, '*')]) {
    const name = node.localName ?? '';
    if (names.includes(name)) mentioned.add(name);
    for (const attribute of Array.from(node.attributes)) if (names.includes(attribute.value)) mentioned.add(attribute.value);
  }
  return [...mentioned].sort();
}

describe('the PendingStubs grid in the solution: unbound property-sets, none required', () => {
  test('the manifest declares every property-set the control reads, none of them required', async () => {
    const propertySets = descendants(await rootOf(MANIFEST), 'property-set');
    expect(propertySets.map((set) => set.getAttribute('name')).sort()).toEqual(Object.values(PropertySet).sort());
    expect(propertySets.map((set) => [set.getAttribute('name'), set.getAttribute('usage'), set.getAttribute('required')])).toEqual(
      propertySets.map((set) => [set.getAttribute('name'), 'bound', 'false']),
    );
  });

  test('the table grid and the main form configure it on web, phone and tablet with the view only', async () => {
    const found = await configurations();
    const places = found.map(({ file, formFactor }) => `${file.startsWith('Entities/ec_Stub/FormXml/') ? 'form' : file} ${formFactor}`);
    expect(places.sort()).toEqual(['Entities/ec_Stub/Entity.xml 0', 'Entities/ec_Stub/Entity.xml 1', 'Entities/ec_Stub/Entity.xml 2', 'form 0', 'form 1', 'form 2']);
    for (const { file, formFactor, dataSet } of found) {
      expect({ file, formFactor, dataSet: dataSet !== undefined }).toEqual({ file, formFactor, dataSet: true });
      const parameters = childElements(dataSet as XmlElement).map((parameter) => parameter.localName ?? '');
      expect({ file, formFactor, unknown: parameters.filter((name) => !VIEW_PARAMETERS.includes(name)) }).toEqual({ file, formFactor, unknown: [] });
    }
  });

  test('no property-set is both required and left unbound by a configuration', async () => {
    const required = descendants(await rootOf(MANIFEST), 'property-set')
      .filter((set) => set.getAttribute('required') === 'true')
      .map((set) => set.getAttribute('name') as string);
    for (const { file, formFactor, dataSet } of await configurations()) {
      const bound = propertySetsNamedIn(dataSet as XmlElement);
      expect(bound).toEqual([]); // the solution binds none: no FormXml binding format is written by guess
      expect({ file, formFactor, requiredButUnbound: required.filter((name) => !bound.includes(name)) }).toEqual({ file, formFactor, requiredButUnbound: [] });
    }
  });
});
