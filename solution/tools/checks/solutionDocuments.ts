/**
 * The two XML documents every check needs — solution.xml and customizations.xml — parsed once,
 * with the facts several checks share (publisher prefixes, root components).
 */
import type { Findings } from '../findings';
import type { SolutionPackage } from '../solutionPackage';
import { childAt, childElements, parseXml, textOf, type XmlElement } from '../xmlDocument';

export const SOLUTION_XML = 'solution.xml';
export const CUSTOMIZATIONS_XML = 'customizations.xml';
export const CONTENT_TYPES_XML = '[Content_Types].xml';

export interface RootComponent {
  readonly type: string;
  readonly schemaName: string | undefined;
  readonly id: string | undefined;
}

export interface SolutionDocuments {
  /** `<ImportExportXml>` of solution.xml, when it parsed. */
  readonly solution: XmlElement | undefined;
  /** `<SolutionManifest>` of solution.xml, when it parsed. */
  readonly manifest: XmlElement | undefined;
  /** `<ImportExportXml>` of customizations.xml, when it parsed. */
  readonly customizations: XmlElement | undefined;
  readonly customizationPrefix: string | undefined;
  readonly optionValuePrefix: string | undefined;
  readonly rootComponents: readonly RootComponent[];
}

function parseEntry(pkg: SolutionPackage, name: string, findings: Findings): XmlElement | undefined {
  const text = pkg.text(name);
  if (text === undefined) {
    findings.error(
      'package-layout',
      `${name} is missing from the zip root: a solution zip holds [Content_Types].xml, solution.xml and customizations.xml at its root (zip the files, not the folder holding them)`,
    );
    return undefined;
  }
  const parsed = parseXml(text);
  if (parsed.errors.length > 0 || !parsed.root) {
    findings.error('xml-well-formed', `${name} is not well-formed XML: ${parsed.errors.join('; ')}`);
    return undefined;
  }
  if (parsed.root.localName !== 'ImportExportXml') {
    findings.error('xml-root', `${name} must have <ImportExportXml> as its root element, found <${parsed.root.localName}>`);
    return undefined;
  }
  return parsed.root;
}

/** GUIDs compare without braces and case. */
export function normalizeGuid(value: string | undefined | null): string | undefined {
  if (!value) return undefined;
  return value.trim().replace(/^\{|\}$/g, '').toLowerCase();
}

export function readSolutionDocuments(pkg: SolutionPackage, findings: Findings): SolutionDocuments {
  const solutionRoot = parseEntry(pkg, SOLUTION_XML, findings);
  const customizations = parseEntry(pkg, CUSTOMIZATIONS_XML, findings);
  const manifest = solutionRoot ? childAt(solutionRoot, 'SolutionManifest') : undefined;
  const publisher = manifest ? childAt(manifest, 'Publisher') : undefined;
  const rootComponentsElement = manifest ? childAt(manifest, 'RootComponents') : undefined;
  const rootComponents = rootComponentsElement
    ? childElements(rootComponentsElement, 'RootComponent').map((element) => ({
        type: element.getAttribute('type') ?? '',
        schemaName: element.getAttribute('schemaName') ?? undefined,
        id: normalizeGuid(element.getAttribute('id')),
      }))
    : [];
  return {
    solution: solutionRoot,
    manifest,
    customizations,
    customizationPrefix: textOf(publisher ? childAt(publisher, 'CustomizationPrefix') : undefined),
    optionValuePrefix: textOf(publisher ? childAt(publisher, 'CustomizationOptionValuePrefix') : undefined),
    rootComponents,
  };
}
