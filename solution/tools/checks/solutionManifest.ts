/**
 * solution.xml has no schema (Microsoft publishes none), so it is checked structurally against what
 * exports contain and what import requires.
 */
import type { Findings } from '../findings';
import { childAt, childElements, textOf } from '../xmlDocument';
import type { SolutionDocuments } from './solutionDocuments';

const UNIQUE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Publisher prefix rules of the maker portal: 2–8 letters/digits, starting with a letter, not "mscrm". */
const CUSTOMIZATION_PREFIX = /^[A-Za-z][A-Za-z0-9]{1,7}$/;
const VERSION = /^\d+(\.\d+){1,3}$/;
const MAX_VERSION_PART = 2147483647;

/**
 * Dataverse versions are major.minor[.build[.revision]]; import compares them part by part and
 * refuses one that is not higher than the installed one. Old exports carry two parts ("1.1"), which
 * import accepts; we warn so our own packages always carry four.
 */
export function checkSolutionVersion(version: string | undefined, findings: Findings): void {
  if (!version) {
    findings.error('solution-version', 'solution.xml has no <Version>: set major.minor.build.revision, e.g. <Version>1.0.0.0</Version>');
    return;
  }
  if (!VERSION.test(version) || version.split('.').some((part) => Number(part) > MAX_VERSION_PART)) {
    findings.error(
      'solution-version',
      `solution.xml <Version>${version}</Version> is not a numeric version: use four numbers separated by dots (major.minor.build.revision, each at most ${MAX_VERSION_PART}), e.g. 1.0.0.0`,
    );
    return;
  }
  if (version.split('.').length !== 4) {
    findings.warning('solution-version', `solution.xml <Version>${version}</Version> has ${version.split('.').length} parts: use four (major.minor.build.revision)`);
  }
}

export function checkSolutionManifest(documents: SolutionDocuments, findings: Findings): void {
  const manifest = documents.manifest;
  if (!documents.solution) return; // unreadable solution.xml is reported where it is parsed
  if (!manifest) {
    findings.error('solution-manifest', 'solution.xml has no <SolutionManifest> under <ImportExportXml>');
    return;
  }
  if (!documents.solution.getAttribute('SolutionPackageVersion')) {
    findings.warning('solution-manifest', 'solution.xml <ImportExportXml> has no SolutionPackageVersion attribute: exports write SolutionPackageVersion="9.2"');
  }

  const uniqueName = textOf(childAt(manifest, 'UniqueName'));
  if (!uniqueName) findings.error('solution-manifest', 'solution.xml has no <UniqueName> in <SolutionManifest>');
  else if (!UNIQUE_NAME.test(uniqueName)) {
    findings.error('solution-manifest', `solution.xml <UniqueName>${uniqueName}</UniqueName> must contain only letters, digits and '_' and not start with a digit`);
  }

  checkSolutionVersion(textOf(childAt(manifest, 'Version')), findings);

  const managed = textOf(childAt(manifest, 'Managed'));
  if (managed !== '0' && managed !== '1') {
    findings.error(
      'solution-manifest',
      `solution.xml <Managed>${managed ?? ''}</Managed> must be 0 (unmanaged) or 1 (managed) in an importable zip` +
        (managed === '2' ? " (2, 'both', only exists in 'pac solution unpack' source folders)" : ''),
    );
  }

  const publisher = childAt(manifest, 'Publisher');
  if (!publisher) {
    findings.error('solution-publisher', 'solution.xml has no <Publisher> in <SolutionManifest>');
  } else {
    if (!textOf(childAt(publisher, 'UniqueName'))) findings.error('solution-publisher', 'solution.xml <Publisher> has no <UniqueName>');
    const prefix = documents.customizationPrefix;
    if (!prefix) findings.error('solution-publisher', 'solution.xml <Publisher> has no <CustomizationPrefix>');
    else if (!CUSTOMIZATION_PREFIX.test(prefix) || prefix.toLowerCase().startsWith('mscrm')) {
      findings.error('solution-publisher', `publisher <CustomizationPrefix>${prefix}</CustomizationPrefix> must be 2–8 letters or digits starting with a letter, and not 'mscrm'`);
    }
    const optionValuePrefix = documents.optionValuePrefix;
    if (!optionValuePrefix) findings.error('solution-publisher', 'solution.xml <Publisher> has no <CustomizationOptionValuePrefix>');
    else if (!/^\d+$/.test(optionValuePrefix) || Number(optionValuePrefix) < 10000 || Number(optionValuePrefix) > 99999) {
      findings.error('solution-publisher', `publisher <CustomizationOptionValuePrefix>${optionValuePrefix}</CustomizationOptionValuePrefix> must be a number from 10000 to 99999`);
    }
  }

  const rootComponents = childAt(manifest, 'RootComponents');
  if (!rootComponents) {
    findings.error('root-components', 'solution.xml has no <RootComponents> in <SolutionManifest>');
  } else {
    for (const component of childElements(rootComponents, 'RootComponent')) {
      const type = component.getAttribute('type') ?? '';
      if (!/^\d+$/.test(type)) findings.error('root-components', `a <RootComponent> has type="${type}": the type must be a component type number (1 table, 66 custom control, 372 connector …)`);
      if (!component.getAttribute('schemaName') && !component.getAttribute('id')) {
        findings.error('root-components', `a <RootComponent type="${type}"> names no component: give it schemaName="…" or id="{…}"`);
      }
    }
    if (childElements(rootComponents, 'RootComponent').length === 0) {
      findings.warning('root-components', 'solution.xml lists no <RootComponent>: the solution would import nothing');
    }
  }
}
