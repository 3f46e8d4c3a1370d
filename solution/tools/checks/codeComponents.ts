/**
 * Code components (PCF): the name `<publisher prefix>_<namespace>.<constructor>` must be the same in
 * the RootComponent, `CustomControl/Name`, the `Controls/<name>/` folder and the built manifest, or
 * import fails with a prefix mismatch; every resource the manifest names must be in the zip; the
 * bundle must be a production build; forms and tables that configure the control must use data-set
 * names its manifest declares.
 */
import type { Findings } from '../findings';
import type { SolutionPackage } from '../solutionPackage';
import { childAt, childElements, descendants, parseXml, textOf, type XmlElement } from '../xmlDocument';
import type { SolutionDocuments } from './solutionDocuments';

const RESOURCE_ELEMENTS = ['code', 'css', 'resx', 'img', 'html'];

/** webpack's `eval` devtools (development builds) wrap every module in eval("…//# sourceURL=webpack://…"). */
const DEVELOPMENT_BUNDLE_MARKERS: readonly RegExp[] = [/\beval\(\s*["'`]/, /\/\/# sourceURL=webpack:\/\//];

export interface CodeComponent {
  readonly name: string;
  readonly manifestEntry: string;
  readonly dataSetNames: readonly string[];
}

function entryName(fileName: string): string {
  return fileName.replace(/^\//, '');
}

function checkManifest(
  pkg: SolutionPackage,
  name: string,
  manifestEntry: string,
  prefix: string | undefined,
  accounted: Set<string>,
  findings: Findings,
): string[] {
  const text = pkg.text(manifestEntry);
  if (text === undefined) {
    findings.error('control-files', `custom control '${name}' names ${manifestEntry}, which is not in the zip: add the built ControlManifest.xml from the control's out/controls/<Constructor>/ folder`);
    return [];
  }
  const parsed = parseXml(text);
  const control = parsed.root ? childAt(parsed.root, 'control') : undefined;
  if (!control) {
    findings.error('control-files', `${manifestEntry} is not a control manifest (<manifest><control …>): ${parsed.errors.join('; ')}`);
    return [];
  }
  const namespace = control.getAttribute('namespace') ?? '';
  const constructorName = control.getAttribute('constructor') ?? '';
  if (prefix) {
    const expected = `${prefix}_${namespace}.${constructorName}`;
    if (expected !== name) {
      findings.error(
        'control-name',
        `custom control '${name}': its manifest declares namespace '${namespace}' and constructor '${constructorName}', so with publisher prefix '${prefix}' it must be named '${expected}' in the RootComponent, CustomControl/Name and the Controls/ folder (otherwise import fails with a prefix mismatch)`,
      );
    }
  }
  const folder = manifestEntry.slice(0, manifestEntry.lastIndexOf('/') + 1);
  const resources = childAt(control, 'resources');
  for (const resource of resources ? childElements(resources) : []) {
    if (!RESOURCE_ELEMENTS.includes(resource.localName ?? '')) continue;
    const resourcePath = resource.getAttribute('path');
    if (!resourcePath) continue;
    const resourceEntry = `${folder}${resourcePath}`;
    accounted.add(resourceEntry);
    const bytes = pkg.text(resourceEntry);
    if (bytes === undefined) {
      findings.error('control-files', `custom control '${name}': its manifest names ${resource.localName} '${resourcePath}' but ${resourceEntry} is not in the zip: copy it from the control's build output`);
      continue;
    }
    if (resource.localName === 'code' && DEVELOPMENT_BUNDLE_MARKERS.some((marker) => marker.test(bytes))) {
      findings.error(
        'control-bundle',
        `${resourceEntry} is a development build (webpack eval devtool): ship the production bundle (pcf-scripts build --buildMode production, i.e. npm run build:pcf)`,
      );
    }
  }
  return childElements(control, 'data-set').map((dataSet) => dataSet.getAttribute('name') ?? '');
}

/** Checks every CustomControl and returns the code components found, for the data-set check. */
export function checkCodeComponents(
  pkg: SolutionPackage,
  documents: SolutionDocuments,
  accounted: Set<string>,
  findings: Findings,
): CodeComponent[] {
  const container = documents.customizations ? childAt(documents.customizations, 'CustomControls') : undefined;
  const prefix = documents.customizationPrefix;
  const components: CodeComponent[] = [];
  for (const control of container ? childElements(container, 'CustomControl') : []) {
    const name = textOf(childAt(control, 'Name')) ?? '';
    if (prefix && !name.toLowerCase().startsWith(`${prefix.toLowerCase()}_`)) {
      findings.error(
        'control-prefix',
        `custom control '${name}' does not start with the publisher prefix '${prefix}_': name it '${prefix}_<Namespace>.<Constructor>' in the RootComponent, CustomControl/Name and Controls/ folder, or import fails with a prefix mismatch`,
      );
    }
    const fileName = textOf(childAt(control, 'FileName'));
    if (!fileName) {
      findings.error('control-files', `custom control '${name}' has no <FileName>: set it to /Controls/${name}/ControlManifest.xml`);
      continue;
    }
    const manifestEntry = entryName(fileName);
    accounted.add(manifestEntry);
    if (manifestEntry !== `Controls/${name}/ControlManifest.xml`) {
      findings.error('control-name', `custom control '${name}' has <FileName>${fileName}</FileName>: it must be /Controls/${name}/ControlManifest.xml (folder named exactly like the control)`);
    }
    const dataSetNames = checkManifest(pkg, name, manifestEntry, prefix, accounted, findings);
    components.push({ name, manifestEntry, dataSetNames });
  }
  return components;
}

/** Every place (form, table grid configuration) that hosts one of our code components with a data set. */
export function checkDataSetBindings(documents: SolutionDocuments, components: readonly CodeComponent[], findings: Findings): void {
  if (!documents.customizations) return;
  for (const customControl of descendants(documents.customizations, 'customControl')) {
    const name = customControl.getAttribute('name');
    const component = components.find((candidate) => candidate.name === name);
    if (!component) continue;
    const parameters: XmlElement | undefined = childAt(customControl, 'parameters');
    for (const dataSet of parameters ? childElements(parameters, 'data-set') : []) {
      const dataSetName = dataSet.getAttribute('name') ?? '';
      if (!component.dataSetNames.includes(dataSetName)) {
        findings.error(
          'control-dataset',
          `customizations.xml configures '${component.name}' with <data-set name="${dataSetName}">, but its manifest declares ${component.dataSetNames.map((n) => `'${n}'`).join(', ') || 'no data set'}: use the manifest's data-set name`,
        );
      }
    }
  }
}
