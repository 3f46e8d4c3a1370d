/**
 * `npm run build:connector [-- --out <folder>] [--variant api-key|entra-id] [--sources <glob>] [--test-connection <operationId>]
 * [--entra-client-id <id>] [--entra-resource-uri <uri>] [--entra-tenant-id <id>] [--check]`: generates the custom connector
 * from the API's swagger-jsdoc annotations (api/src/**\/*.ts), the single source:
 * apiDefinition.swagger.json, apiProperties.json, settings.json and icon.png, written
 * deterministically, then validated offline. Without --out and --variant both security variants are
 * built: the API-key connector in connector/ and the Entra ID one in connector/entra-id/
 * (security-variants.ts). Exits 1 when the annotations hold no operation (nothing is written) or when
 * the validator reports an error. `--check` writes nothing and exits 1 when the files in the folder(s)
 * differ from what the annotations generate (drift between API and connector).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { countOperations, readApiAnnotations } from './api-annotations';
import { buildApiProperties, pageableOperations } from './api-properties';
import { baseDefinition, postProcessDefinition, serializeDefinition, DEFAULT_METADATA, type ConnectorMetadata } from './connector-definition';
import { renderIcon } from './icon';
import { formatReport, summarize } from './report';
import { ENTRA_ID_PLACEHOLDERS, SECURITY_VARIANTS, VARIANT_FOLDERS, type EntraIdSettings, type SecurityVariant } from './security-variants';
import { buildSettings } from './settings';
import { stableJson } from './stable-json';
import { CONNECTOR_FILES } from './validation/connector-folder';
import type { Finding } from './validation/finding';
import { validateConnectorFolder } from './validation/validate-connector-files';

export const REPOSITORY_ROOT = resolve(__dirname, '..', '..');
export const DEFAULT_API_SOURCES = ['api/src/**/*.ts'];
export const DEFAULT_OUTPUT = join(REPOSITORY_ROOT, 'connector');

export class NoOperationsError extends Error {
  constructor(where: string) {
    super(`no operations found in ${where} — annotate routes with @swagger/@openapi`);
    this.name = 'NoOperationsError';
  }
}

export interface BuildOptions {
  /** Globs of annotated source files, relative to `root`. */
  readonly apiSources?: readonly string[];
  readonly root?: string;
  readonly outputFolder?: string;
  readonly metadata?: ConnectorMetadata;
  readonly testConnectionOperationId?: string;
  /** Default `api-key`. */
  readonly security?: SecurityVariant;
  /** App registrations of the `entra-id` variant; placeholders by default. */
  readonly entraId?: EntraIdSettings;
}

/** Where `npm run build:connector` writes a variant by default. */
export function defaultOutput(variant: SecurityVariant): string {
  return join(DEFAULT_OUTPUT, VARIANT_FOLDERS[variant]);
}

/** The generated files as bytes/text, before anything is written. */
export interface GeneratedConnector {
  readonly [CONNECTOR_FILES.definition]: string;
  readonly [CONNECTOR_FILES.properties]: string;
  readonly [CONNECTOR_FILES.settings]: string;
  readonly [CONNECTOR_FILES.icon]: Buffer;
}

export function generateConnector(options: BuildOptions = {}): GeneratedConnector {
  const root = options.root ?? REPOSITORY_ROOT;
  const sources = options.apiSources ?? DEFAULT_API_SOURCES;
  const raw = readApiAnnotations(sources.map((pattern) => join(root, pattern).replace(/\\/g, '/')), baseDefinition(options.metadata ?? DEFAULT_METADATA));
  if (countOperations(raw) === 0) throw new NoOperationsError(sources.map((s) => s.replace(/\/\*\*.*$/, '')).join(', '));
  const security = { ...(options.security !== undefined ? { security: options.security } : {}), ...(options.entraId !== undefined ? { entraId: options.entraId } : {}) };
  const definition = postProcessDefinition(raw, { ...(options.testConnectionOperationId !== undefined ? { testConnectionOperationId: options.testConnectionOperationId } : {}), ...security });
  return {
    [CONNECTOR_FILES.definition]: serializeDefinition(definition),
    [CONNECTOR_FILES.properties]: stableJson(buildApiProperties({ ...security, pageable: pageableOperations(definition) })),
    [CONNECTOR_FILES.settings]: stableJson(buildSettings()),
    [CONNECTOR_FILES.icon]: renderIcon(),
  };
}

/** Generates, writes and validates; returns the validator's findings. */
export async function buildConnector(options: BuildOptions = {}): Promise<readonly Finding[]> {
  const generated = generateConnector(options);
  const folder = options.outputFolder ?? DEFAULT_OUTPUT;
  mkdirSync(folder, { recursive: true });
  for (const [name, content] of Object.entries(generated)) writeFileSync(join(folder, name), content);
  return validateConnectorFolder(folder);
}

/** The generated files whose content differs from (or is missing in) `folder`. */
export function findDrift(folder: string, options: BuildOptions = {}): string[] {
  const generated = generateConnector(options);
  return Object.entries(generated)
    .filter(([name, content]) => {
      const file = join(folder, name);
      return !existsSync(file) || !readFileSync(file).equals(Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'));
    })
    .map(([name]) => name);
}

function optionValue(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

export async function runBuildConnector(args: readonly string[]): Promise<number> {
  const out = optionValue(args, '--out');
  const testConnection = optionValue(args, '--test-connection');
  const sources = optionValue(args, '--sources');
  const variant = optionValue(args, '--variant');
  if (variant !== undefined && !SECURITY_VARIANTS.includes(variant as SecurityVariant)) {
    console.error(`build:connector: --variant must be one of ${SECURITY_VARIANTS.join(', ')}`);
    return 2;
  }
  const entraId: EntraIdSettings = {
    clientId: optionValue(args, '--entra-client-id') ?? ENTRA_ID_PLACEHOLDERS.clientId,
    resourceUri: optionValue(args, '--entra-resource-uri') ?? ENTRA_ID_PLACEHOLDERS.resourceUri,
    tenantId: optionValue(args, '--entra-tenant-id') ?? ENTRA_ID_PLACEHOLDERS.tenantId,
    loginUri: ENTRA_ID_PLACEHOLDERS.loginUri,
  };
  // One folder when --out or --variant is given; otherwise every variant in its default folder.
  const targets: Array<{ folder: string; security: SecurityVariant }> =
    out !== undefined || variant !== undefined
      ? [{ folder: resolve(out ?? defaultOutput(variant as SecurityVariant)), security: (variant as SecurityVariant | undefined) ?? 'api-key' }]
      : SECURITY_VARIANTS.map((security) => ({ folder: defaultOutput(security), security }));
  const optionsFor = (security: SecurityVariant): BuildOptions => ({
    ...(sources !== undefined ? { apiSources: [sources] } : {}),
    ...(testConnection !== undefined ? { testConnectionOperationId: testConnection } : {}),
    ...(security === 'entra-id' ? { security, entraId } : {}),
  });
  try {
    let code = 0;
    for (const { folder, security } of targets) {
      if (args.includes('--check')) {
        const drift = findDrift(folder, optionsFor(security));
        if (drift.length === 0) {
          console.log(`${folder}: up to date with the API's annotations`);
        } else {
          console.error(`build:connector --check: ${drift.join(', ')} in ${folder} differ from what the API's annotations generate; run npm run build:connector and commit the result.`);
          code = 1;
        }
        continue;
      }
      const findings = await buildConnector({ outputFolder: folder, ...optionsFor(security) });
      console.log(formatReport(folder, findings));
      if (summarize(findings).errors > 0) code = 1;
    }
    return code;
  } catch (error) {
    if (error instanceof NoOperationsError) {
      console.error(`build:connector: ${error.message}; nothing was written.`);
      return 1;
    }
    throw error;
  }
}

if (require.main === module) {
  runBuildConnector(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(2);
    },
  );
}
