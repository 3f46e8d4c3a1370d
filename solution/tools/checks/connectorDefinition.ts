/**
 * When given the connector folder (`connector/` of this repository), the solution's connector must
 * carry exactly its `apiDefinition.swagger.json` bytes, so the connector a maker imports is the one
 * that was validated and tested.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import type { Findings } from '../findings';
import type { SolutionPackage } from '../solutionPackage';
import { childAt, childElements, textOf } from '../xmlDocument';
import type { SolutionDocuments } from './solutionDocuments';

export const CONNECTOR_DEFINITION_FILE = 'apiDefinition.swagger.json';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

export async function checkConnectorDefinition(
  pkg: SolutionPackage,
  documents: SolutionDocuments,
  connectorDirectory: string,
  findings: Findings,
): Promise<void> {
  const definitionPath = path.join(connectorDirectory, CONNECTOR_DEFINITION_FILE);
  let expected: Uint8Array;
  try {
    expected = new Uint8Array(await fs.readFile(definitionPath));
  } catch {
    findings.error('connector-definition', `${definitionPath} does not exist: run npm run build:connector first`);
    return;
  }
  const container = documents.customizations ? childAt(documents.customizations, 'Connectors') : undefined;
  const connectors = container ? childElements(container, 'Connector') : [];
  if (connectors.length === 0) {
    findings.error('connector-definition', `the solution has no <Connector> although ${definitionPath} was given: add the connector (npm run build:solution)`);
  }
  for (const connector of connectors) {
    const name = textOf(childAt(connector, 'name')) ?? '?';
    const entry = (textOf(childAt(connector, 'openapidefinition')) ?? '').replace(/^\//, '');
    const actual = pkg.bytes(entry);
    if (actual && !sameBytes(actual, expected)) {
      findings.error('connector-definition', `connector '${name}': ${entry} differs from ${definitionPath}: rebuild the solution (npm run build:solution) after npm run build:connector`);
    }
  }
}
