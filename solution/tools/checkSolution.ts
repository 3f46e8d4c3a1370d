/**
 * The offline solution checker: everything about a solution zip that can be known without a
 * Dataverse environment. Each rule lives in checks/; this file runs them in order.
 */
import { checkCodeComponents, checkDataSetBindings } from './checks/codeComponents';
import { checkColumnDefinitions } from './checks/columnDefinitions';
import { checkReferencedFiles, checkUnaccountedEntries } from './checks/componentFiles';
import { checkRootComponents } from './checks/componentDefinitions';
import { checkConnectorDefinition } from './checks/connectorDefinition';
import { checkContentTypes } from './checks/contentTypes';
import { checkCustomizationsSchema } from './checks/customizationsSchema';
import { checkEntryNames } from './checks/entryNames';
import { checkJsonFiles } from './checks/jsonFiles';
import { checkPublisherPrefix } from './checks/publisherPrefix';
import { readSolutionDocuments } from './checks/solutionDocuments';
import { checkSolutionManifest } from './checks/solutionManifest';
import { Findings, type Finding } from './findings';
import type { SolutionPackage } from './solutionPackage';

export interface CheckOptions {
  /** Folder holding apiDefinition.swagger.json; when set, the connector must carry its exact bytes. */
  readonly connectorDirectory?: string;
  /** Treat warnings as errors (our own packages). */
  readonly strict?: boolean;
}

export interface CheckResult {
  readonly findings: readonly Finding[];
  readonly errors: readonly Finding[];
  readonly warnings: readonly Finding[];
  readonly passed: boolean;
}

export async function checkSolution(pkg: SolutionPackage, options: CheckOptions = {}): Promise<CheckResult> {
  const findings = new Findings();
  checkEntryNames(pkg, findings);
  checkContentTypes(pkg, findings);
  const documents = readSolutionDocuments(pkg, findings);
  checkSolutionManifest(documents, findings);
  if (documents.customizations) await checkCustomizationsSchema(pkg, findings);
  checkRootComponents(documents, findings);
  const accounted = new Set<string>();
  const components = checkCodeComponents(pkg, documents, accounted, findings);
  checkDataSetBindings(documents, components, findings);
  checkReferencedFiles(pkg, documents, accounted, findings);
  checkUnaccountedEntries(pkg, accounted, findings);
  checkColumnDefinitions(documents, findings);
  checkPublisherPrefix(documents, findings);
  checkJsonFiles(pkg, findings);
  if (options.connectorDirectory) await checkConnectorDefinition(pkg, documents, options.connectorDirectory, findings);

  const all = findings.all.map((finding) =>
    options.strict && finding.severity === 'warning' ? { ...finding, severity: 'error' as const } : finding,
  );
  const errors = all.filter((finding) => finding.severity === 'error');
  return { findings: all, errors, warnings: all.filter((finding) => finding.severity === 'warning'), passed: errors.length === 0 };
}
