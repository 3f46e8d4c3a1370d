/**
 * customizations.xml against Microsoft's customization schema (CustomizationsSolution.xsd and the
 * schemas it includes), run by libxml2 compiled to WebAssembly (xmllint-wasm) so no native tool is
 * needed. The schema set ships in ../xsd (see its SOURCE.md).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { memoryPages, validateXML } from 'xmllint-wasm';

import type { Findings } from '../findings';
import type { SolutionPackage } from '../solutionPackage';
import { CUSTOMIZATIONS_XML } from './solutionDocuments';

export const XSD_DIRECTORY = path.join(__dirname, '..', 'xsd');
const MAIN_SCHEMA = 'CustomizationsSolution.xsd';
const INCLUDED_SCHEMAS = ['isv.config.xsd', 'SiteMapType.xsd', 'FormXml.xsd', 'Fetch.xsd', 'RibbonCore.xsd', 'RibbonTypes.xsd', 'RibbonWSS.xsd'];
const MAX_REPORTED = 20;

async function readSchema(fileName: string): Promise<{ fileName: string; contents: string }> {
  return { fileName, contents: await fs.readFile(path.join(XSD_DIRECTORY, fileName), 'utf8') };
}

export async function checkCustomizationsSchema(pkg: SolutionPackage, findings: Findings): Promise<void> {
  const text = pkg.text(CUSTOMIZATIONS_XML);
  if (text === undefined) return; // reported by the layout check
  const [schema, ...preload] = await Promise.all([readSchema(MAIN_SCHEMA), ...INCLUDED_SCHEMAS.map(readSchema)]);
  const result = await validateXML({
    xml: [{ fileName: CUSTOMIZATIONS_XML, contents: text }],
    schema: [schema as { fileName: string; contents: string }],
    preload,
    maxMemoryPages: memoryPages.GiB,
  });
  if (result.valid) return;
  for (const error of result.errors.slice(0, MAX_REPORTED)) {
    const line = error.loc?.lineNumber;
    findings.error(
      'customizations-schema',
      `${CUSTOMIZATIONS_XML}${line ? ` line ${line}` : ''} does not match the customization schema: ${error.message.replace(/^.*Schemas validity error : /, '')}`,
    );
  }
  if (result.errors.length > MAX_REPORTED) {
    findings.error('customizations-schema', `${CUSTOMIZATIONS_XML}: ${result.errors.length - MAX_REPORTED} more schema errors not shown`);
  }
}
