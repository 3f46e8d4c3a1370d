/**
 * Flattens a solution source folder in the `pac solution unpack` layout (solution/src) into the
 * entries of an importable solution zip — the flat layout Dataverse exports:
 *
 *   [Content_Types].xml, solution.xml, customizations.xml        (zip root)
 *   Controls/<prefix>_<Namespace>.<Constructor>/ControlManifest.xml, bundle.js, strings/…
 *   Connector/<name>_openapidefinition.json, _connectionparameters.json,
 *             _policytemplateinstances.json, _iconblob.Png
 *
 * What goes where in customizations.xml mirrors `pac solution pack`: Entities/<Table>/Entity.xml
 * with its FormXml/<type>/*.xml and SavedQueries/*.xml, Roles/*.xml, Other/Relationships/*.xml,
 * Controls/<name>/ControlManifest.xml.data.xml, AppModuleSiteMaps/, AppModules/, Connectors/*.xml.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { childAt, childElements, decodeUtf8, parseXml, textOf, type XmlElement } from './xmlDocument';

const KNOWN_FOLDERS = new Set(['Other', 'Entities', 'Roles', 'Controls', 'AppModules', 'AppModuleSiteMaps', 'Connectors']);
const BYTE_ORDER_MARK = '\uFEFF';
const XSI_NAMESPACE = ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

/** The built code component: the folder pcf-scripts writes (out/controls/<Constructor>/). */
export interface ControlBuildOutput {
  readonly directory: string;
}

/** The connector folder (connector/ of this repository). */
export interface ConnectorSource {
  readonly directory: string;
}

export interface PackOptions {
  readonly sourceDirectory: string;
  readonly version: string;
  readonly managed: boolean;
  /** Built output per code component name (ec_DataverseEnsure.PendingStubs → its out/controls folder). */
  readonly controls: ReadonlyMap<string, ControlBuildOutput>;
  readonly connector: ConnectorSource;
}

export class SolutionPackError extends Error {}

const encoder = new TextEncoder();

async function readText(file: string): Promise<string> {
  return decodeUtf8(new Uint8Array(await fs.readFile(file)));
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

/**
 * The managed variant of a source file, as `pac solution unpack --packagetype Managed|Both` writes
 * it: `<name>_managed.xml` beside `<name>.xml` (forms, app modules, site maps). Packing managed uses
 * it in place of `<name>.xml` when present; packing unmanaged never uses it.
 */
const MANAGED_SUFFIX = '_managed.xml';

async function listSorted(directory: string, suffix = '.xml', managed = false): Promise<string[]> {
  if (!(await exists(directory))) return [];
  const names = (await fs.readdir(directory)).filter((name) => name.endsWith(suffix));
  const plain = names.filter((name) => !name.endsWith(MANAGED_SUFFIX));
  return plain.map((name) => (managed && names.includes(name.replace(/\.xml$/, MANAGED_SUFFIX)) ? name.replace(/\.xml$/, MANAGED_SUFFIX) : name)).sort();
}

async function listDirectories(directory: string): Promise<string[]> {
  if (!(await exists(directory))) return [];
  const entries = await fs.readdir(directory, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}

/** The document element of a source file as text, without the XML declaration and the xsi namespace declaration. */
function elementText(text: string): string {
  return text
    .replace(/^\s*<\?xml[^>]*\?>\s*/, '')
    .replace(XSI_NAMESPACE, '')
    .trim();
}

function rootOf(text: string, where: string): XmlElement {
  const parsed = parseXml(text);
  if (!parsed.root || parsed.errors.length > 0) throw new SolutionPackError(`${where} is not well-formed XML: ${parsed.errors.join('; ')}`);
  return parsed.root;
}

function blocks(text: string, element: string): string[] {
  return text.match(new RegExp(`<${element}[\\s>][\\s\\S]*?</${element}>`, 'g')) ?? [];
}

/** Puts items into the `<Section />` placeholder of Other/Customizations.xml. */
function fillSection(customizations: string, section: string, items: readonly string[]): string {
  if (items.length === 0) return customizations;
  const placeholder = new RegExp(`<${section}\\s*/>|<${section}>\\s*</${section}>`);
  if (!placeholder.test(customizations)) {
    throw new SolutionPackError(`Other/Customizations.xml has no empty <${section} /> to fill: keep the skeleton pac solution unpack writes`);
  }
  const indented = items.map((item) => item.replace(/^/gm, '    '));
  return customizations.replace(placeholder, `<${section}>\n${indented.join('\n')}\n  </${section}>`);
}

async function entityBlocks(sourceDirectory: string, managed: boolean): Promise<string[]> {
  const result: string[] = [];
  const entitiesDirectory = path.join(sourceDirectory, 'Entities');
  for (const table of await listDirectories(entitiesDirectory)) {
    const tableDirectory = path.join(entitiesDirectory, table);
    let entity = elementText(await readText(path.join(tableDirectory, 'Entity.xml')));
    const formsByType: string[] = [];
    for (const formType of await listDirectories(path.join(tableDirectory, 'FormXml'))) {
      const forms: string[] = [];
      for (const file of await listSorted(path.join(tableDirectory, 'FormXml', formType), '.xml', managed)) {
        forms.push(...blocks(await readText(path.join(tableDirectory, 'FormXml', formType, file)), 'systemform'));
      }
      if (forms.length > 0) formsByType.push(`<forms type="${formType}">\n${forms.join('\n')}\n</forms>`);
    }
    const views: string[] = [];
    for (const file of await listSorted(path.join(tableDirectory, 'SavedQueries'))) {
      views.push(...blocks(await readText(path.join(tableDirectory, 'SavedQueries', file)), 'savedquery'));
    }
    if (formsByType.length > 0) entity = entity.replace(/<FormXml\s*\/>/, `<FormXml>\n${formsByType.join('\n')}\n</FormXml>`);
    if (views.length > 0) entity = entity.replace(/<SavedQueries\s*\/>/, `<SavedQueries>\n<savedqueries>\n${views.join('\n')}\n</savedqueries>\n</SavedQueries>`);
    result.push(entity);
  }
  return result;
}

async function relationshipBlocks(sourceDirectory: string): Promise<string[]> {
  const indexFile = path.join(sourceDirectory, 'Other', 'Relationships.xml');
  if (!(await exists(indexFile))) return [];
  const indexed = [...(await readText(indexFile)).matchAll(/<EntityRelationship Name="([^"]+)"/g)].map((match) => match[1] as string);
  const definitions = new Map<string, string>();
  const directory = path.join(sourceDirectory, 'Other', 'Relationships');
  for (const file of await listSorted(directory)) {
    for (const block of blocks(await readText(path.join(directory, file)), 'EntityRelationship')) {
      const name = /Name="([^"]+)"/.exec(block)?.[1] ?? '';
      definitions.set(name, block);
    }
  }
  for (const name of definitions.keys()) {
    if (!indexed.includes(name)) throw new SolutionPackError(`Other/Relationships/ defines relationship '${name}' that Other/Relationships.xml does not list: add it to the index`);
  }
  return indexed.map((name) => {
    const block = definitions.get(name);
    if (!block) throw new SolutionPackError(`Other/Relationships.xml lists relationship '${name}' but no file in Other/Relationships/ defines it`);
    return block;
  });
}

async function documentsIn(directory: string, fileName: string, managed = false): Promise<string[]> {
  const result: string[] = [];
  for (const folder of await listDirectories(directory)) {
    const plain = path.join(directory, folder, fileName);
    const managedVariant = plain.replace(/\.xml$/, MANAGED_SUFFIX);
    const file = managed && (await exists(managedVariant)) ? managedVariant : plain;
    if (await exists(file)) result.push(elementText(await readText(file)));
  }
  return result;
}

/** webpack's TerserPlugin banner pointing at the licence file it extracted beside the bundle. */
const LICENCE_BANNER = /^\/\*! For license information please see (\S+\.LICENSE\.txt) \*\/\r?\n?/;

/**
 * A production bundle starts with `/*! For license information please see bundle.js.LICENSE.txt *\/`,
 * but a control's manifest cannot name that file, so it never reaches the solution: the reference
 * would dangle. The notices are put back into the bundle as its leading `/*! … *\/` comment (what
 * webpack does without comment extraction), so the licences travel with the code.
 */
async function withLicenceInline(bytes: Uint8Array, source: string): Promise<Uint8Array> {
  const text = decodeUtf8(bytes);
  const banner = LICENCE_BANNER.exec(text);
  if (!banner) return bytes;
  const licenceFile = path.join(path.dirname(source), banner[1]!);
  if (!(await exists(licenceFile))) throw new SolutionPackError(`${source} refers to ${licenceFile}, which is missing: rebuild the control (npm run build:pcf)`);
  const notices = (await readText(licenceFile)).trim().replace(/\*\//g, '* /');
  return encoder.encode(`/*! Licences of the bundled code:\n${notices}\n*/\n${text.slice(banner[0].length)}`);
}

interface ControlManifestFacts {
  readonly name: string;
  readonly files: readonly string[];
}

async function controlFiles(
  name: string,
  prefix: string,
  output: ControlBuildOutput | undefined,
  entries: Map<string, Uint8Array>,
): Promise<ControlManifestFacts> {
  if (!output || !(await exists(path.join(output.directory, 'ControlManifest.xml')))) {
    throw new SolutionPackError(
      `the built code component '${name}' is missing${output ? ` (${path.join(output.directory, 'ControlManifest.xml')})` : ''}: run npm run build:pcf first`,
    );
  }
  const manifestText = await readText(path.join(output.directory, 'ControlManifest.xml'));
  const control = childAt(rootOf(manifestText, `${output.directory}/ControlManifest.xml`), 'control');
  if (!control) throw new SolutionPackError(`${output.directory}/ControlManifest.xml is not a control manifest`);
  const expected = `${prefix}_${control.getAttribute('namespace') ?? ''}.${control.getAttribute('constructor') ?? ''}`;
  if (expected !== name) {
    throw new SolutionPackError(`the built control in ${output.directory} is '${expected}' (prefix_namespace.constructor) but solution/src names '${name}': make them agree`);
  }
  const files = ['ControlManifest.xml'];
  const resources = childAt(control, 'resources');
  for (const resource of resources ? childElements(resources) : []) {
    const resourcePath = resource.getAttribute('path');
    if (resourcePath && ['code', 'css', 'resx', 'img', 'html'].includes(resource.localName ?? '')) files.push(resourcePath);
  }
  for (const file of files) {
    const source = path.join(output.directory, ...file.split('/'));
    if (!(await exists(source))) throw new SolutionPackError(`${source}, named by the control's manifest, is missing: run npm run build:pcf`);
    const bytes = new Uint8Array(await fs.readFile(source));
    entries.set(`Controls/${name}/${file}`, file.endsWith('.js') ? await withLicenceInline(bytes, source) : bytes);
  }
  return { name, files };
}

interface ApiProperties {
  readonly properties?: {
    readonly connectionParameters?: unknown;
    readonly policyTemplateInstances?: unknown;
    readonly iconBrandColor?: string;
  };
}

/**
 * apiProperties.json writes policy templates camelCase (`templateId`, `title`, `parameters`); a
 * solution export writes `_policytemplateinstances.json` PascalCase (`TemplateId`, `Title`,
 * `Parameters`), as in every exported connector we have seen.
 */
export function exportedPolicyTemplates(instances: unknown): unknown[] {
  if (!Array.isArray(instances)) return [];
  return instances.map((instance: unknown) => {
    if (typeof instance !== 'object' || instance === null) return instance;
    return Object.fromEntries(Object.entries(instance).map(([key, value]) => [key.charAt(0).toUpperCase() + key.slice(1), value]));
  });
}

async function connectorFiles(sourceXml: string, source: ConnectorSource, entries: Map<string, Uint8Array>): Promise<string> {
  let connectorXml = sourceXml;
  const required = ['apiDefinition.swagger.json', 'apiProperties.json', 'icon.png'];
  const missing: string[] = [];
  for (const file of required) if (!(await exists(path.join(source.directory, file)))) missing.push(file);
  if (missing.length > 0) {
    throw new SolutionPackError(`the custom connector files ${missing.join(', ')} are missing from ${source.directory}: run npm run build:connector first`);
  }
  const connector = rootOf(connectorXml, 'Connectors/*.xml');
  const fileOf = (field: string): string => (textOf(childAt(connector, field)) ?? '').replace(/^\//, '');
  const apiProperties = JSON.parse(await readText(path.join(source.directory, 'apiProperties.json'))) as ApiProperties;
  const properties = apiProperties.properties ?? {};
  entries.set(fileOf('openapidefinition'), new Uint8Array(await fs.readFile(path.join(source.directory, 'apiDefinition.swagger.json'))));
  // A connector without authentication has no connection parameters: it must then carry no
  // connectionparameters file at all ("Nullable object must have a value" on import otherwise).
  const connectionParameters = properties.connectionParameters;
  const hasConnectionParameters = typeof connectionParameters === 'object' && connectionParameters !== null && Object.keys(connectionParameters).length > 0;
  if (hasConnectionParameters) {
    entries.set(fileOf('connectionparameters'), encoder.encode(JSON.stringify(connectionParameters, null, 2)));
  } else {
    connectorXml = connectorXml.replace(/\s*<connectionparameters>[^<]*<\/connectionparameters>/, '');
  }
  entries.set(fileOf('policytemplateinstances'), encoder.encode(JSON.stringify(exportedPolicyTemplates(properties.policyTemplateInstances), null, 2)));
  entries.set(fileOf('iconblob'), new Uint8Array(await fs.readFile(path.join(source.directory, 'icon.png'))));
  const brandColor = properties.iconBrandColor;
  return brandColor ? connectorXml.replace(/<iconbrandcolor>[^<]*<\/iconbrandcolor>/, `<iconbrandcolor>${brandColor}</iconbrandcolor>`) : connectorXml;
}

function contentTypes(names: readonly string[]): string {
  const extensions = [...new Set(names.map((name) => name.slice(name.lastIndexOf('.') + 1)))].sort();
  const defaults = extensions.map((extension) => `<Default Extension="${extension}" ContentType="application/octet-stream" />`).join('');
  return `<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">${defaults}</Types>`;
}

/** Returns the zip entries of the solution (name → bytes), not yet zipped. */
export async function packSolution(options: PackOptions): Promise<Map<string, Uint8Array>> {
  const source = options.sourceDirectory;
  for (const folder of await listDirectories(source)) {
    if (!KNOWN_FOLDERS.has(folder)) throw new SolutionPackError(`solution/src/${folder}/ is a component folder the packer does not know: extend solution/tools/solutionSourcePacker.ts`);
  }
  const entries = new Map<string, Uint8Array>();

  let solutionXml = await readText(path.join(source, 'Other', 'Solution.xml'));
  solutionXml = solutionXml.replace(/<Version>[^<]*<\/Version>/, `<Version>${options.version}</Version>`);
  solutionXml = solutionXml.replace(/<Managed>[^<]*<\/Managed>/, `<Managed>${options.managed ? 1 : 0}</Managed>`);
  const prefix = textOf(childAt(rootOf(solutionXml, 'Other/Solution.xml'), 'SolutionManifest', 'Publisher', 'CustomizationPrefix')) ?? '';

  const customControls: string[] = [];
  for (const data of await documentsIn(path.join(source, 'Controls'), 'ControlManifest.xml.data.xml')) {
    const name = textOf(childAt(rootOf(data, `Controls/…/ControlManifest.xml.data.xml`), 'Name')) ?? '';
    await controlFiles(name, prefix, options.controls.get(name), entries);
    customControls.push(data);
  }

  const connectors: string[] = [];
  for (const file of await listSorted(path.join(source, 'Connectors'))) {
    connectors.push(elementText(await connectorFiles(await readText(path.join(source, 'Connectors', file)), options.connector, entries)));
  }

  const roles: string[] = [];
  for (const file of await listSorted(path.join(source, 'Roles'))) roles.push(elementText(await readText(path.join(source, 'Roles', file))));

  let customizations = await readText(path.join(source, 'Other', 'Customizations.xml'));
  customizations = fillSection(customizations, 'Entities', await entityBlocks(source, options.managed));
  customizations = fillSection(customizations, 'Roles', roles);
  customizations = fillSection(customizations, 'EntityRelationships', await relationshipBlocks(source));
  customizations = fillSection(customizations, 'CustomControls', customControls);
  customizations = fillSection(customizations, 'AppModuleSiteMaps', await documentsIn(path.join(source, 'AppModuleSiteMaps'), 'AppModuleSiteMap.xml', options.managed));
  customizations = fillSection(customizations, 'AppModules', await documentsIn(path.join(source, 'AppModules'), 'AppModule.xml', options.managed));
  customizations = fillSection(customizations, 'Connectors', connectors);

  entries.set('solution.xml', encoder.encode(BYTE_ORDER_MARK + solutionXml));
  entries.set('customizations.xml', encoder.encode(BYTE_ORDER_MARK + customizations));
  entries.set('[Content_Types].xml', encoder.encode(BYTE_ORDER_MARK + contentTypes([...entries.keys()])));
  return entries;
}
