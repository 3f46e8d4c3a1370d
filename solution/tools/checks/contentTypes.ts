/**
 * [Content_Types].xml (Open Packaging Conventions): every part needs a content type, given by a
 * `<Default Extension>` for its extension or an `<Override PartName>` for the part itself. Exports
 * list one Default per extension in the zip (xml, js, json, Png …). Extensions compare
 * case-insensitively, as OPC specifies.
 */
import type { Findings } from '../findings';
import type { SolutionPackage } from '../solutionPackage';
import { childElements, parseXml } from '../xmlDocument';
import { CONTENT_TYPES_XML } from './solutionDocuments';

function extensionOf(name: string): string | undefined {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1) : undefined;
}

export function checkContentTypes(pkg: SolutionPackage, findings: Findings): void {
  const text = pkg.text(CONTENT_TYPES_XML);
  if (text === undefined) {
    findings.error(
      'content-types',
      `${CONTENT_TYPES_XML} is missing from the zip root: add it with one <Default Extension="…" ContentType="application/octet-stream" /> per file extension in the zip`,
    );
    return;
  }
  const parsed = parseXml(text);
  if (!parsed.root || parsed.errors.length > 0) {
    findings.error('content-types', `${CONTENT_TYPES_XML} is not well-formed XML: ${parsed.errors.join('; ')}`);
    return;
  }
  const defaults = new Set(
    childElements(parsed.root, 'Default').map((element) => (element.getAttribute('Extension') ?? '').toLowerCase()),
  );
  const overrides = new Set(childElements(parsed.root, 'Override').map((element) => element.getAttribute('PartName') ?? ''));
  for (const name of pkg.names) {
    if (name === CONTENT_TYPES_XML || overrides.has(`/${name}`)) continue;
    const extension = extensionOf(name);
    if (extension === undefined) {
      findings.error('content-types', `zip entry '${name}' has no file extension, so ${CONTENT_TYPES_XML} cannot give it a content type: rename it or add <Override PartName="/${name}" …/>`);
    } else if (!defaults.has(extension.toLowerCase())) {
      findings.error(
        'content-types',
        `zip entry '${name}' has extension '.${extension}', which no <Default Extension="${extension}"> in ${CONTENT_TYPES_XML} covers: add <Default Extension="${extension}" ContentType="application/octet-stream" />`,
      );
    }
  }
}
