/**
 * The offline solution checker (npm run solution:check) against real exported solutions and
 * deliberately broken copies of them. Each broken copy must fail with the rule that names its fault.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { readSolutionPackage } from '../../solution/tools/solutionPackage';
import {
  check,
  shopifyConnectorFolder,
  editEntry,
  errorRules,
  fixtureEntries,
  FRANBELL_PCF,
  renameEntry,
  REPOSITORY_ROOT,
  SHOPIFY,
  TACTEC,
  temporaryDirectory,
  type Entries,
} from './solutionFixtures';

const FRANBELL_CONTROL = 'Controls/ktcs_ktcs.MultiSelectLookup';
/** FranBellCast's repository leaves the built bundle out (SOURCE.txt); a minified line stands in for it. */
const PRODUCTION_BUNDLE = new TextEncoder().encode('var pcf_tools_1;(()=>{"use strict";var e={};pcf_tools_1=e})();\n');
const DEVELOPMENT_BUNDLE = new TextEncoder().encode(
  '/******/ (() => { var __webpack_modules__ = ({ "./MultiSelectLookup/index.ts": ((module) => { eval("module.exports = 1;\\n\\n//# sourceURL=webpack://pcf_tools/./MultiSelectLookup/index.ts?"); }) }); })();\n',
);

async function franBellWithBundle(): Promise<Entries> {
  const entries = await fixtureEntries(FRANBELL_PCF);
  entries.set(`${FRANBELL_CONTROL}/bundle.js`, PRODUCTION_BUNDLE);
  return entries;
}

function messages(result: Awaited<ReturnType<typeof check>>, rule: string): string {
  return result.findings.filter((finding) => finding.rule === rule).map((finding) => finding.message).join('\n');
}

describe('real exported solutions pass', () => {
  test('the Shopify custom connector export (microsoft/iom-provider-shopify) has no errors and no warnings', async () => {
    const result = await check(await fixtureEntries(SHOPIFY), { strict: true });
    expect(result.findings).toEqual([]);
    expect(result.passed).toBe(true);
  });

  test('the tables export (Tactec XML 1.1) passes; its two-part version and foreign-prefixed table are warnings', async () => {
    const result = await check(await fixtureEntries(TACTEC));
    expect(result.errors).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.warnings.map((finding) => finding.rule)).toEqual(expect.arrayContaining(['solution-version', 'table-prefix', 'column-prefix']));
  });

  test('in strict mode (our own packages) those warnings fail', async () => {
    const result = await check(await fixtureEntries(TACTEC), { strict: true });
    expect(result.passed).toBe(false);
    expect(errorRules(result)).toEqual(['column-prefix', 'solution-version', 'table-prefix']);
  });

  test('the PCF export (FranBellCast) passes once its omitted production bundle is in place', async () => {
    const result = await check(await franBellWithBundle(), { strict: true });
    expect(result.findings).toEqual([]);
  });
});

describe('broken copies fail with a message that says what to fix', () => {
  test('a missing control file: the export as published, without bundle.js', async () => {
    const result = await check(await fixtureEntries(FRANBELL_PCF));
    expect(errorRules(result)).toEqual(['control-files']);
    expect(messages(result, 'control-files')).toContain(`${FRANBELL_CONTROL}/bundle.js is not in the zip`);
  });

  test('a missing control manifest', async () => {
    const entries = await franBellWithBundle();
    entries.delete(`${FRANBELL_CONTROL}/ControlManifest.xml`);
    const result = await check(entries);
    expect(errorRules(result)).toEqual(['control-files', 'unaccounted-entry']);
    expect(messages(result, 'control-files')).toContain(`names ${FRANBELL_CONTROL}/ControlManifest.xml, which is not in the zip`);
  });

  test('a wrong prefix on the code component (the prefix-mismatch import error)', async () => {
    const entries = await franBellWithBundle();
    for (const name of ['solution.xml', 'customizations.xml']) editEntry(entries, name, /ktcs_ktcs\.MultiSelectLookup/g, 'new_ktcs.MultiSelectLookup');
    for (const file of ['ControlManifest.xml', 'bundle.js']) renameEntry(entries, `${FRANBELL_CONTROL}/${file}`, `Controls/new_ktcs.MultiSelectLookup/${file}`);
    const result = await check(entries);
    expect(errorRules(result)).toEqual(['control-name', 'control-prefix']);
    expect(messages(result, 'control-prefix')).toContain("custom control 'new_ktcs.MultiSelectLookup' does not start with the publisher prefix 'ktcs_'");
    expect(messages(result, 'control-name')).toContain("it must be named 'ktcs_ktcs.MultiSelectLookup'");
  });

  test('a wrong publisher prefix on a connector fails strict mode', async () => {
    const entries = editEntry(await fixtureEntries(SHOPIFY), 'solution.xml', '<CustomizationPrefix>cr1a6</CustomizationPrefix>', '<CustomizationPrefix>abc</CustomizationPrefix>');
    const result = await check(entries, { strict: true });
    expect(errorRules(result)).toEqual(['connector-prefix']);
    expect(messages(result, 'connector-prefix')).toContain("connector 'cr1a6_shopify' does not start with the publisher prefix 'abc_'");
  });

  test('a dropped RootComponent', async () => {
    const entries = editEntry(await fixtureEntries(SHOPIFY), 'solution.xml', /<RootComponent type="372"[^>]*\/>/, '');
    const result = await check(entries);
    expect(errorRules(result)).toEqual(['root-component-missing']);
    expect(messages(result, 'root-component-missing')).toContain(
      'customizations.xml defines the custom connector \'cr1a6_shopify\' but solution.xml has no <RootComponent type="372" schemaName="cr1a6_shopify" behavior="0" />',
    );
  });

  test('a RootComponent whose definition is missing', async () => {
    const entries = editEntry(await franBellWithBundle(), 'customizations.xml', /<CustomControls>[\s\S]*<\/CustomControls>/, '<CustomControls />');
    const result = await check(entries);
    expect(errorRules(result)).toEqual(['root-component-definition', 'unaccounted-entry']);
    expect(messages(result, 'root-component-definition')).toContain('schemaName="ktcs_ktcs.MultiSelectLookup" /> (custom control) but customizations.xml does not define it');
  });

  test.each([
    ['a column type', '<Type>nvarchar</Type>', '<Type>string</Type>', /Element 'Type': \[facet 'enumeration'\] The value 'string'/],
    ['a column flag', '<IsCustomField>1</IsCustomField>', '<IsCustomField>yes</IsCustomField>', /Element 'IsCustomField'.*'yes'/],
    ['a column length', '<MaxLength>100</MaxLength>', '<MaxLength>one hundred</MaxLength>', /Element 'MaxLength'.*'one hundred'/],
  ])('an invalid attribute (%s outside the schema) fails the XSD check', async (_what, valid, invalid, expected) => {
    const entries = editEntry(await fixtureEntries(TACTEC), 'customizations.xml', valid, invalid);
    const result = await check(entries);
    expect(errorRules(result)).toContain('customizations-schema');
    expect(messages(result, 'customizations-schema')).toMatch(expected);
  });

  test.each([
    ['a required level Dataverse does not know', '<RequiredLevel>none</RequiredLevel>', '<RequiredLevel>mandatory</RequiredLevel>', "<RequiredLevel>mandatory</RequiredLevel>: use none, recommended, required or systemrequired"],
    ['a text column longer than 4000', '<MaxLength>100</MaxLength>', '<MaxLength>5000</MaxLength>', '(nvarchar) has <MaxLength>5000</MaxLength>: use 1 to 4000'],
  ])('an invalid attribute the schema lets through: %s', async (_what, valid, invalid, expected) => {
    const result = await check(editEntry(await fixtureEntries(TACTEC), 'customizations.xml', valid, invalid));
    expect(errorRules(result)).toEqual(['column-definition']);
    expect(messages(result, 'column-definition')).toContain(expected);
  });

  test('an element the schema does not know fails the XSD check', async () => {
    const entries = editEntry(await fixtureEntries(SHOPIFY), 'customizations.xml', '<connectortype>1</connectortype>', '<connectortype>1</connectortype><connectorkind>custom</connectorkind>');
    const result = await check(entries);
    expect(messages(result, 'customizations-schema')).toContain("Element 'connectorkind'");
  });

  test.each([
    ['1.0.0.x', 'is not a numeric version'],
    ['1.0.0.0.1', 'is not a numeric version'],
    ['', 'has no <Version>'],
    ['1.0.0.2147483648', 'is not a numeric version'],
  ])('a bad version %p', async (version, expected) => {
    const entries = editEntry(await fixtureEntries(SHOPIFY), 'solution.xml', '<Version>1.0.0.3</Version>', version ? `<Version>${version}</Version>` : '');
    const result = await check(entries);
    expect(errorRules(result)).toEqual(['solution-version']);
    expect(messages(result, 'solution-version')).toContain(expected);
  });

  test('Managed must be 0 or 1', async () => {
    const result = await check(editEntry(await fixtureEntries(SHOPIFY), 'solution.xml', '<Managed>0</Managed>', '<Managed>2</Managed>'));
    expect(errorRules(result)).toEqual(['solution-manifest']);
    expect(messages(result, 'solution-manifest')).toContain("only exists in 'pac solution unpack' source folders");
  });

  test('a publisher without an option value prefix', async () => {
    const result = await check(editEntry(await fixtureEntries(SHOPIFY), 'solution.xml', /<CustomizationOptionValuePrefix>\d+<\/CustomizationOptionValuePrefix>/, ''));
    expect(messages(result, 'solution-publisher')).toContain('no <CustomizationOptionValuePrefix>');
  });

  test('a zip entry with a backslash', async () => {
    const entries = renameEntry(await fixtureEntries(SHOPIFY), 'Connector/cr1a6_shopify_iconblob.Png', 'Connector\\cr1a6_shopify_iconblob.Png');
    const result = await check(entries);
    expect(errorRules(result)).toEqual(['component-files', 'entry-name-separator', 'unaccounted-entry']);
    expect(messages(result, 'entry-name-separator')).toContain("zip entry 'Connector\\cr1a6_shopify_iconblob.Png' uses a backslash");
  });

  test('the three root files must be at the zip root, not in a folder', async () => {
    const entries = await fixtureEntries(SHOPIFY);
    for (const name of [...entries.keys()]) renameEntry(entries, name, `ShopifyCustomProvider/${name}`);
    const result = await check(entries);
    expect(messages(result, 'package-layout')).toContain('solution.xml is missing from the zip root');
  });

  test('an extension [Content_Types].xml does not cover', async () => {
    const entries = editEntry(await fixtureEntries(SHOPIFY), '[Content_Types].xml', '<Default Extension="Png" ContentType="application/octet-stream" />', '');
    const result = await check(entries);
    expect(errorRules(result)).toEqual(['content-types']);
    expect(messages(result, 'content-types')).toContain('add <Default Extension="Png" ContentType="application/octet-stream" />');
  });

  test('a connector file the definition names is missing ("Connector Import Failed: File Not Found")', async () => {
    const entries = await fixtureEntries(SHOPIFY);
    entries.delete('Connector/cr1a6_shopify_policytemplateinstances.json');
    const result = await check(entries);
    expect(errorRules(result)).toEqual(['component-files']);
    expect(messages(result, 'component-files')).toContain("connector 'cr1a6_shopify' <policytemplateinstances> names /Connector/cr1a6_shopify_policytemplateinstances.json");
  });

  test('a zip entry nothing names', async () => {
    const entries = await fixtureEntries(SHOPIFY);
    entries.set('Connector/notes.txt', new TextEncoder().encode('left over'));
    const result = await check(entries);
    expect(errorRules(result)).toEqual(['unaccounted-entry']);
  });

  test('a JSON file that does not parse', async () => {
    const entries = editEntry(await fixtureEntries(SHOPIFY), 'Connector/cr1a6_shopify_connectionparameters.json', /\}\s*$/, '');
    const result = await check(entries);
    expect(errorRules(result)).toEqual(['json-parse']);
    expect(messages(result, 'json-parse')).toContain('Connector/cr1a6_shopify_connectionparameters.json is not valid JSON');
  });

  test('a development bundle (webpack eval devtool)', async () => {
    const entries = await fixtureEntries(FRANBELL_PCF);
    entries.set(`${FRANBELL_CONTROL}/bundle.js`, DEVELOPMENT_BUNDLE);
    const result = await check(entries);
    expect(errorRules(result)).toEqual(['control-bundle']);
    expect(messages(result, 'control-bundle')).toContain('npm run build:pcf');
  });

  test('customizations.xml that is not well-formed', async () => {
    const result = await check(editEntry(await fixtureEntries(SHOPIFY), 'customizations.xml', '</Connectors>', ''));
    expect(errorRules(result)).toContain('xml-well-formed');
  });
});

describe('connector definition identical to the connector folder', () => {
  test('passes when the solution carries the exact bytes, fails when one byte differs', async () => {
    const connector = await shopifyConnectorFolder();
    const entries = await fixtureEntries(SHOPIFY);
    expect((await check(entries, { connectorDirectory: connector })).errors).toEqual([]);
    await fs.appendFile(path.join(connector, 'apiDefinition.swagger.json'), ' ');
    const result = await check(entries, { connectorDirectory: connector });
    expect(errorRules(result)).toEqual(['connector-definition']);
    expect(messages(result, 'connector-definition')).toContain('differs from');
  });

  test('names npm run build:connector when the connector folder has no definition', async () => {
    const result = await check(await fixtureEntries(SHOPIFY), { connectorDirectory: await temporaryDirectory() });
    expect(messages(result, 'connector-definition')).toContain('run npm run build:connector first');
  });
});

describe('reading packages', () => {
  test('an extracted zip folder reads like the zip', async () => {
    const directory = await temporaryDirectory();
    for (const [name, bytes] of await fixtureEntries(SHOPIFY)) {
      await fs.mkdir(path.dirname(path.join(directory, name)), { recursive: true });
      await fs.writeFile(path.join(directory, name), bytes);
    }
    const pkg = await readSolutionPackage(directory);
    expect(pkg.names).toEqual([...(await fixtureEntries(SHOPIFY)).keys()].sort());
  });

  test('a pac solution unpack folder is refused with a hint to pack it first', async () => {
    await expect(readSolutionPackage(path.join(REPOSITORY_ROOT, 'solution', 'src'))).rejects.toThrow(/pac solution unpack.*pack it first/);
  });
});
