/**
 * The components customizations.xml defines, by solution component type, and the check that they
 * and solution.xml's RootComponents match both ways: a RootComponent without its definition fails
 * the import; a definition without its RootComponent is silently not part of the solution (and is
 * left behind, or missing, on the next upgrade).
 */
import type { Findings } from '../findings';
import { childAt, childElements, descendants, textOf, type XmlElement } from '../xmlDocument';
import { normalizeGuid, type RootComponent, type SolutionDocuments } from './solutionDocuments';

/** Solution component types (https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/solutioncomponent). */
export const COMPONENT_TYPE_NAMES: Readonly<Record<string, string>> = {
  '1': 'table',
  '20': 'security role',
  '26': 'view',
  '29': 'process/cloud flow',
  '60': 'form',
  '61': 'web resource',
  '62': 'site map',
  '66': 'custom control',
  '80': 'model-driven app',
  '300': 'canvas app',
  '372': 'custom connector',
  '380': 'environment variable definition',
};

/** Types whose definitions stand on their own (views and forms live inside their table). */
const TOP_LEVEL_TYPES = new Set(['1', '20', '29', '61', '62', '66', '80', '300', '372', '380']);

export interface ComponentDefinition {
  readonly type: string;
  readonly schemaName: string | undefined;
  readonly id: string | undefined;
}

function collect(customizations: XmlElement): ComponentDefinition[] {
  const definitions: ComponentDefinition[] = [];
  const add = (type: string, schemaName: string | undefined | null, id?: string | null): void => {
    definitions.push({ type, schemaName: schemaName ?? undefined, id: normalizeGuid(id) });
  };
  const section = (name: string, item: string): XmlElement[] => {
    const container = childAt(customizations, name);
    return container ? childElements(container, item) : [];
  };
  for (const entity of section('Entities', 'Entity')) {
    add('1', textOf(childAt(entity, 'Name')));
    for (const form of descendants(entity, 'systemform')) add('60', undefined, textOf(childAt(form, 'formid')));
    for (const view of descendants(entity, 'savedquery')) add('26', undefined, textOf(childAt(view, 'savedqueryid')));
  }
  for (const role of section('Roles', 'Role')) add('20', role.getAttribute('name'), role.getAttribute('id'));
  for (const workflow of section('Workflows', 'Workflow')) add('29', workflow.getAttribute('Name'), workflow.getAttribute('WorkflowId'));
  for (const resource of section('WebResources', 'WebResource')) add('61', textOf(childAt(resource, 'Name')), textOf(childAt(resource, 'WebResourceId')));
  for (const control of section('CustomControls', 'CustomControl')) add('66', textOf(childAt(control, 'Name')));
  for (const siteMap of section('AppModuleSiteMaps', 'AppModuleSiteMap')) add('62', textOf(childAt(siteMap, 'SiteMapUniqueName')));
  for (const app of section('AppModules', 'AppModule')) add('80', textOf(childAt(app, 'UniqueName')));
  for (const app of section('CanvasApps', 'CanvasApp')) add('300', textOf(childAt(app, 'Name')));
  for (const connector of section('Connectors', 'Connector')) add('372', textOf(childAt(connector, 'name')), textOf(childAt(connector, 'connectorid')));
  for (const variable of section('environmentvariabledefinitions', 'environmentvariabledefinition')) add('380', variable.getAttribute('schemaname'));
  return definitions;
}

function sameName(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

function matches(root: RootComponent, definition: ComponentDefinition): boolean {
  if (root.type !== definition.type) return false;
  return sameName(root.schemaName, definition.schemaName) || (root.id !== undefined && root.id === definition.id);
}

function describeRoot(root: RootComponent): string {
  const name = root.schemaName ? ` schemaName="${root.schemaName}"` : '';
  const id = root.id ? ` id="{${root.id}}"` : '';
  return `<RootComponent type="${root.type}"${name}${id} />`;
}

export function checkRootComponents(documents: SolutionDocuments, findings: Findings): void {
  if (!documents.customizations || !documents.manifest) return;
  const definitions = collect(documents.customizations);
  for (const root of documents.rootComponents) {
    const typeName = COMPONENT_TYPE_NAMES[root.type];
    if (!typeName) continue; // a type this checker does not model
    if (!definitions.some((definition) => matches(root, definition))) {
      findings.error(
        'root-component-definition',
        `solution.xml lists ${describeRoot(root)} (${typeName}) but customizations.xml does not define it: add the ${typeName}'s definition (and its files) or remove the RootComponent`,
      );
    }
  }
  for (const definition of definitions) {
    if (!TOP_LEVEL_TYPES.has(definition.type)) continue;
    if (!documents.rootComponents.some((root) => matches(root, definition))) {
      const typeName = COMPONENT_TYPE_NAMES[definition.type] ?? definition.type;
      const reference = definition.schemaName ? `schemaName="${definition.schemaName}"` : `id="{${definition.id ?? ''}}"`;
      findings.error(
        'root-component-missing',
        `customizations.xml defines the ${typeName} '${definition.schemaName ?? definition.id ?? ''}' but solution.xml has no <RootComponent type="${definition.type}" ${reference} behavior="0" />: add it, or remove the definition`,
      );
    }
  }
}
