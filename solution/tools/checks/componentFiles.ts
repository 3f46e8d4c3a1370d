/**
 * Files the solution definitions point at (connector JSON and icon, cloud flow JSON, web resources,
 * canvas apps) must be in the zip ("Connector Import Failed: File Not Found" otherwise), and every
 * zip entry must be one of the three root files or a file something names.
 */
import type { Findings } from '../findings';
import type { SolutionPackage } from '../solutionPackage';
import { childAt, childElements, textOf } from '../xmlDocument';
import { CONTENT_TYPES_XML, CUSTOMIZATIONS_XML, SOLUTION_XML, type SolutionDocuments } from './solutionDocuments';

const CONNECTOR_FILES = ['openapidefinition', 'connectionparameters', 'connectionparametersets', 'policytemplateinstances', 'iconblob', 'customcodeblob'];

/** Adds every file customizations.xml names (outside code components) to `accounted`, reporting missing ones. */
export function checkReferencedFiles(pkg: SolutionPackage, documents: SolutionDocuments, accounted: Set<string>, findings: Findings): void {
  const customizations = documents.customizations;
  if (!customizations) return;
  const require = (fileName: string | undefined, owner: string): void => {
    if (!fileName) return;
    const entry = fileName.replace(/^\//, '');
    accounted.add(entry);
    if (!pkg.has(entry)) findings.error('component-files', `${owner} names ${fileName}, which is not in the zip: add the file at ${entry}`);
  };
  const section = (name: string, item: string) => {
    const container = childAt(customizations, name);
    return container ? childElements(container, item) : [];
  };
  for (const connector of section('Connectors', 'Connector')) {
    const name = textOf(childAt(connector, 'name')) ?? '?';
    for (const field of CONNECTOR_FILES) require(textOf(childAt(connector, field)), `connector '${name}' <${field}>`);
  }
  for (const workflow of section('Workflows', 'Workflow')) {
    const name = workflow.getAttribute('Name') ?? '?';
    require(textOf(childAt(workflow, 'JsonFileName')), `flow '${name}'`);
    require(textOf(childAt(workflow, 'XamlFileName')), `process '${name}'`);
  }
  for (const resource of section('WebResources', 'WebResource')) {
    require(textOf(childAt(resource, 'FileName')), `web resource '${textOf(childAt(resource, 'Name')) ?? '?'}'`);
  }
  for (const app of section('CanvasApps', 'CanvasApp')) {
    const name = textOf(childAt(app, 'Name')) ?? '?';
    for (const field of ['BackgroundImageUri', 'DocumentUri']) require(textOf(childAt(app, field)), `canvas app '${name}'`);
    const additional = childAt(app, 'AdditionalUris');
    for (const uri of additional ? childElements(additional, 'AdditionalUri') : []) require(textOf(uri), `canvas app '${name}'`);
  }
}

export function checkUnaccountedEntries(pkg: SolutionPackage, accounted: ReadonlySet<string>, findings: Findings): void {
  const rootFiles = new Set([CONTENT_TYPES_XML, SOLUTION_XML, CUSTOMIZATIONS_XML]);
  for (const name of pkg.names) {
    if (rootFiles.has(name) || accounted.has(name)) continue;
    findings.error(
      'unaccounted-entry',
      `zip entry '${name}' is not named by customizations.xml or a control manifest: remove it, or reference it from the component it belongs to`,
    );
  }
}
