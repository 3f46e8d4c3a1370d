/**
 * The packer (npm run build:solution): solution/src in the pac layout becomes an importable flat
 * zip, deterministic, passing the checker in strict mode, carrying the built control and the
 * connector's exact definition bytes. The control and connector builds are stood in for (see
 * solutionFixtures.ts) so these tests do not depend on running them.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';

import { checkSolution } from '../../solution/tools/checkSolution';
import { writeDeterministicZip } from '../../solution/tools/deterministicZip';
import { solutionPackageFromZip } from '../../solution/tools/solutionPackage';
import { packSolution, type PackOptions } from '../../solution/tools/solutionSourcePacker';
import { toSolutionVersion, versionForFileName } from '../../solution/tools/solutionVersion';
import { decodeUtf8 } from '../../solution/tools/xmlDocument';
import { connectorStandIn, controlBuildStandIns, errorRules, pendingStubsBuildStandIn, REPOSITORY_ROOT, temporaryDirectory } from './solutionFixtures';

const SOURCE = path.join(REPOSITORY_ROOT, 'solution', 'src');
const CONTROL = 'ec_DataverseEnsure.PendingStubs';

let controls: Map<string, { directory: string }>;
let controlOutput: string;
let connectorDirectory: string;

beforeAll(async () => {
  controls = await controlBuildStandIns();
  controlOutput = (controls.get(CONTROL) as { directory: string }).directory;
  connectorDirectory = await connectorStandIn();
});

/** The controls with PendingStubs' build replaced. */
function withPendingStubs(directory: string): Map<string, { directory: string }> {
  return new Map([...controls, [CONTROL, { directory }]]);
}

function options(overrides: Partial<PackOptions> = {}): PackOptions {
  return {
    sourceDirectory: SOURCE,
    version: '0.1.0.0',
    managed: false,
    controls,
    connector: { directory: connectorDirectory },
    ...overrides,
  };
}

async function packZip(overrides: Partial<PackOptions> = {}): Promise<Uint8Array> {
  return writeDeterministicZip(await packSolution(options(overrides)));
}

describe('solution version from package.json', () => {
  test.each([
    ['0.1.0', '0.1.0.0', '0_1_0_0'],
    ['2.10.3', '2.10.3.0', '2_10_3_0'],
  ])('%s becomes %s', (packageVersion, solutionVersion, fileName) => {
    expect(toSolutionVersion(packageVersion)).toBe(solutionVersion);
    expect(versionForFileName(toSolutionVersion(packageVersion))).toBe(fileName);
  });

  test.each(['0.2.0-beta.1', '1.0', 'next'])('%s is refused with an explanation', (packageVersion) => {
    expect(() => toSolutionVersion(packageVersion)).toThrow(/major\.minor\.patch/);
  });

  test('the root package.json version maps', async () => {
    const rootPackage = JSON.parse(await fs.readFile(path.join(REPOSITORY_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(toSolutionVersion(rootPackage.version)).toMatch(/^\d+\.\d+\.\d+\.0$/);
  });
});

describe('packed zips', () => {
  test.each([
    [false, '0'],
    [true, '1'],
  ])('managed=%p passes the strict check with the connector compared byte for byte', async (managed, managedValue) => {
    const zip = await packZip({ managed });
    const result = await checkSolution(solutionPackageFromZip(zip, 'packed'), { strict: true, connectorDirectory });
    expect(result.findings).toEqual([]);
    const solutionXml = decodeUtf8(unzipSync(zip)['solution.xml'] as Uint8Array);
    expect(solutionXml).toContain(`<Managed>${managedValue}</Managed>`);
    expect(solutionXml).toContain('<Version>0.1.0.0</Version>');
  });

  test('is the flat layout that imports, with forward slashes only', async () => {
    const names = Object.keys(unzipSync(await packZip())).sort();
    expect(names).toEqual([
      'Connector/ec_dataverseensure_connectionparameters.json',
      'Connector/ec_dataverseensure_iconblob.Png',
      'Connector/ec_dataverseensure_openapidefinition.json',
      'Connector/ec_dataverseensure_policytemplateinstances.json',
      'Controls/ec_DataverseEnsure.HydrationStatus/ControlManifest.xml',
      'Controls/ec_DataverseEnsure.HydrationStatus/bundle.js',
      'Controls/ec_DataverseEnsure.HydrationStatus/strings/HydrationStatus.1033.resx',
      `Controls/${CONTROL}/ControlManifest.xml`,
      `Controls/${CONTROL}/bundle.js`,
      `Controls/${CONTROL}/strings/PendingStubs.1033.resx`,
      '[Content_Types].xml',
      'customizations.xml',
      'solution.xml',
    ]);
  });

  test('a bundle pointing at its extracted licence file carries the notices inline instead (the manifest cannot ship that file)', async () => {
    const directory = await pendingStubsBuildStandIn();
    const bundle = await fs.readFile(path.join(directory, 'bundle.js'), 'utf8');
    await fs.writeFile(path.join(directory, 'bundle.js'), `/*! For license information please see bundle.js.LICENSE.txt */\n${bundle}`);
    await fs.writeFile(path.join(directory, 'bundle.js.LICENSE.txt'), '/** @license React react.production.min.js */\n');
    const zip = await packZip({ controls: withPendingStubs(directory) });
    const shipped = decodeUtf8(unzipSync(zip)[`Controls/${CONTROL}/bundle.js`] as Uint8Array);
    expect(shipped).not.toContain('LICENSE.txt');
    expect(shipped).toContain('@license React react.production.min.js * /');
    expect(shipped.endsWith(bundle)).toBe(true);
    expect((await checkSolution(solutionPackageFromZip(zip, 'packed'), { strict: true, connectorDirectory })).findings).toEqual([]);
    await fs.rm(path.join(directory, 'bundle.js.LICENSE.txt'));
    await expect(packZip({ controls: withPendingStubs(directory) })).rejects.toThrow(/bundle\.js\.LICENSE\.txt, which is missing/);
  });

  test('packs a form\'s <id>_managed.xml (pac solution unpack\'s managed variant) into the managed zip only', async () => {
    const source = await temporaryDirectory();
    await fs.cp(SOURCE, source, { recursive: true });
    const formDirectory = path.join(source, 'Entities', 'ec_Stub', 'FormXml', 'main');
    const [form] = (await fs.readdir(formDirectory)).filter((name) => name.endsWith('.xml'));
    const formXml = await fs.readFile(path.join(formDirectory, form as string), 'utf8');
    await fs.writeFile(path.join(formDirectory, (form as string).replace(/\.xml$/, '_managed.xml')), formXml.replace('<CanBeDeleted>0</CanBeDeleted>', '<CanBeDeleted>0</CanBeDeleted><!-- managed variant -->'));
    const customizationsOf = async (managed: boolean): Promise<string> => decodeUtf8(unzipSync(await packZip({ sourceDirectory: source, managed }))['customizations.xml'] as Uint8Array);
    expect(await customizationsOf(true)).toContain('<!-- managed variant -->');
    expect(await customizationsOf(false)).not.toContain('<!-- managed variant -->');
    expect((await customizationsOf(true)).match(/<systemform>/g)).toHaveLength(1);
  });

  test('is byte-identical when built twice', async () => {
    expect(Buffer.from(await packZip()).equals(Buffer.from(await packZip()))).toBe(true);
  });

  test('carries the connector definition bytes, its connection parameters, policy templates, icon and brand colour', async () => {
    const files = unzipSync(await packZip());
    const definition = await fs.readFile(path.join(connectorDirectory, 'apiDefinition.swagger.json'));
    expect(Buffer.from(files['Connector/ec_dataverseensure_openapidefinition.json'] as Uint8Array).equals(definition)).toBe(true);
    expect(Buffer.from(files['Connector/ec_dataverseensure_iconblob.Png'] as Uint8Array).equals(await fs.readFile(path.join(connectorDirectory, 'icon.png')))).toBe(true);
    const apiProperties = JSON.parse(await fs.readFile(path.join(connectorDirectory, 'apiProperties.json'), 'utf8')) as {
      properties: { connectionParameters: unknown; policyTemplateInstances: unknown; iconBrandColor: string };
    };
    expect(JSON.parse(decodeUtf8(files['Connector/ec_dataverseensure_connectionparameters.json'] as Uint8Array))).toEqual(apiProperties.properties.connectionParameters);
    // Exports write policy templates PascalCase (TemplateId, Title, Parameters); apiProperties.json camelCase.
    const policyTemplates = JSON.parse(decodeUtf8(files['Connector/ec_dataverseensure_policytemplateinstances.json'] as Uint8Array)) as Record<string, unknown>[];
    const camelCase = apiProperties.properties.policyTemplateInstances as { templateId: string; title: string; parameters: unknown }[];
    expect(camelCase.length).toBeGreaterThan(0);
    expect(policyTemplates).toEqual(camelCase.map((instance) => ({ TemplateId: instance.templateId, Title: instance.title, Parameters: instance.parameters })));
    expect(decodeUtf8(files['customizations.xml'] as Uint8Array)).toContain(`<iconbrandcolor>${String(apiProperties.properties.iconBrandColor)}</iconbrandcolor>`);
  });

  test('a connector without connection parameters (no authentication) carries no connectionparameters file', async () => {
    const directory = await connectorStandIn();
    const apiPropertiesPath = path.join(directory, 'apiProperties.json');
    const apiProperties = JSON.parse(await fs.readFile(apiPropertiesPath, 'utf8')) as { properties: Record<string, unknown> };
    delete apiProperties.properties.connectionParameters;
    await fs.writeFile(apiPropertiesPath, JSON.stringify(apiProperties));
    const zip = await packZip({ connector: { directory } });
    const files = unzipSync(zip);
    expect(Object.keys(files)).not.toContain('Connector/ec_dataverseensure_connectionparameters.json');
    expect(decodeUtf8(files['customizations.xml'] as Uint8Array)).not.toContain('<connectionparameters>');
    expect((await checkSolution(solutionPackageFromZip(zip, 'packed'), { strict: true, connectorDirectory: directory })).findings).toEqual([]);
  });

  test('carries the built control manifest and bundle unchanged', async () => {
    const files = unzipSync(await packZip());
    for (const file of ['ControlManifest.xml', 'bundle.js']) {
      expect(Buffer.from(files[`Controls/${CONTROL}/${file}`] as Uint8Array).equals(await fs.readFile(path.join(controlOutput, file)))).toBe(true);
    }
  });

  test('configures the control with the data set its manifest declares (form subgrid and table grid)', async () => {
    const customizations = decodeUtf8(unzipSync(await packZip())['customizations.xml'] as Uint8Array);
    const manifest = await fs.readFile(path.join(controlOutput, 'ControlManifest.xml'), 'utf8');
    const dataSet = /<data-set name="([^"]+)"/.exec(manifest)?.[1];
    expect(dataSet).toBeDefined();
    const configured = [...customizations.matchAll(/<customControl formFactor="\d" name="ec_DataverseEnsure\.PendingStubs">\s*<parameters>\s*<data-set name="([^"]+)"/g)].map((m) => m[1]);
    expect(configured.length).toBe(6); // 3 form factors on the form subgrid + 3 as the table's grid
    expect(new Set(configured)).toEqual(new Set([dataSet]));
  });
});

describe('the packer refuses to build without its inputs', () => {
  test('names npm run build:pcf when the built control is missing', async () => {
    await expect(packSolution(options({ controls: withPendingStubs(await temporaryDirectory()) }))).rejects.toThrow(
      /built code component 'ec_DataverseEnsure\.PendingStubs' is missing.*npm run build:pcf/,
    );
  });

  test('names npm run build:connector when the connector files are missing, and never invents them', async () => {
    await expect(packSolution(options({ connector: { directory: await temporaryDirectory() } }))).rejects.toThrow(
      /apiDefinition\.swagger\.json, apiProperties\.json, icon\.png are missing.*npm run build:connector/,
    );
  });

  test('refuses a control whose namespace and constructor do not give the name solution/src uses', async () => {
    const directory = await pendingStubsBuildStandIn();
    const manifestPath = path.join(directory, 'ControlManifest.xml');
    await fs.writeFile(manifestPath, (await fs.readFile(manifestPath, 'utf8')).replace('namespace="DataverseEnsure"', 'namespace="Contoso"'));
    await expect(packSolution(options({ controls: withPendingStubs(directory) }))).rejects.toThrow(/is 'ec_Contoso\.PendingStubs'.*names 'ec_DataverseEnsure\.PendingStubs'/);
  });

  test('a data set renamed in the control but not in the solution makes the checker fail the build', async () => {
    const directory = await pendingStubsBuildStandIn();
    const manifestPath = path.join(directory, 'ControlManifest.xml');
    await fs.writeFile(manifestPath, (await fs.readFile(manifestPath, 'utf8')).replace(/<data-set name="[^"]+"/, '<data-set name="rows"'));
    const zip = await packZip({ controls: withPendingStubs(directory) });
    const result = await checkSolution(solutionPackageFromZip(zip, 'packed'), { strict: true });
    expect(errorRules(result)).toEqual(['control-dataset']);
    expect(result.errors[0]?.message).toContain("its manifest declares 'rows'");
  });

  test('a development bundle makes the checker fail the build', async () => {
    const directory = await pendingStubsBuildStandIn();
    await fs.writeFile(path.join(directory, 'bundle.js'), 'eval("var a = 1;\\n//# sourceURL=webpack://pcf_tools/./PendingStubs/index.ts?");');
    const zip = await packZip({ controls: withPendingStubs(directory) });
    expect(errorRules(await checkSolution(solutionPackageFromZip(zip, 'packed'), { strict: true }))).toEqual(['control-bundle']);
  });
});
