import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { CONNECTOR_FILES } from '../validation/connector-folder';
import type { JsonPath } from '../validation/finding';
import type { RuleId } from '../validation/rule-catalog';
import type { RuleContext, RuleFamily } from '../validation/rule-context';
import { widenApiPropertiesSchema, widenSwaggerSchema } from '../validation/schema-allowances';

/** The schema files copied into the repository (see schemas/SOURCE.md). */
export const SCHEMA_FOLDER = join(__dirname, '..', 'schemas');

/**
 * Reads a schema file. The paconn schemas declare draft-07 but name their URI with draft-04's `id`;
 * ajv's draft-07 mode wants `$id`, so the root `id` is renamed (the only change made on load).
 */
function loadSchema(file: string, draft: '04' | '07'): Record<string, unknown> {
  const schema = JSON.parse(readFileSync(join(SCHEMA_FOLDER, file), 'utf8')) as Record<string, unknown>;
  if (draft === '07' && typeof schema['id'] === 'string' && schema['$id'] === undefined) {
    const { id, ...rest } = schema;
    return { $id: id, ...rest };
  }
  return schema;
}

let compiled: { swagger: ValidateFunction; apiProperties: ValidateFunction; settings: ValidateFunction } | undefined;

/** Compiles the three schemas once: the swagger one is draft-04, the paconn ones draft-07. */
function validators(): NonNullable<typeof compiled> {
  if (compiled) return compiled;
  const draft04 = new AjvDraft04({ allErrors: true, strict: false, validateSchema: false });
  addFormats(draft04);
  const draft07 = new Ajv({ allErrors: true, strict: false, validateSchema: false });
  addFormats(draft07);
  compiled = {
    swagger: draft04.compile(widenSwaggerSchema(loadSchema('apiDefinition.swagger.schema.strict.json', '04'))),
    apiProperties: draft07.compile(widenApiPropertiesSchema(loadSchema('paconn-apiProperties.schema.strict.json', '07'))),
    settings: draft07.compile(loadSchema('paconn-settings.schema.json', '07')),
  };
  return compiled;
}

/** Turns an ajv instancePath ("/paths/~1v1~1x/post") into path segments, array indexes as numbers. */
export function instancePathSegments(data: unknown, pointer: string): JsonPath {
  if (pointer === '') return [];
  const segments: (string | number)[] = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      segments.push(Number(key));
      node = node[Number(key)];
    } else {
      segments.push(key);
      node = (node as Record<string, unknown> | undefined)?.[key];
    }
  }
  return segments;
}

function describe(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') return `property "${String(error.params['additionalProperty'])}" is not allowed here`;
  if (error.keyword === 'enum') return `${error.message ?? 'not allowed'}: ${JSON.stringify(error.params['allowedValues'])}`;
  return error.message ?? error.keyword;
}

/** How many of a failed oneOf's branch problems a finding quotes. */
const QUOTED_BRANCH_PROBLEMS = 3;

function withinPath(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

/**
 * Reports schema errors once per place. A failing oneOf/anyOf reports every branch's errors, most
 * of them about branches the value never meant to match; they are folded into one finding at the
 * oneOf's place that quotes the deepest few.
 */
function reportErrors(context: RuleContext, ruleId: RuleId, file: string, data: unknown, errors: readonly ErrorObject[]): void {
  const combinators = new Set(['oneOf', 'anyOf']);
  const failedChoices = errors
    .filter((error) => combinators.has(error.keyword))
    .map((error) => error.instancePath)
    .filter((path, index, all) => all.indexOf(path) === index && !all.some((other) => other !== path && withinPath(path, other)));
  const seen = new Set<string>();
  for (const path of failedChoices) {
    const problems = errors
      .filter((error) => !combinators.has(error.keyword) && withinPath(error.instancePath, path))
      .sort((a, b) => b.instancePath.length - a.instancePath.length)
      .map((error) => `${error.instancePath.slice(path.length).replace(/^\//, '') || '(here)'}: ${describe(error)}`)
      .filter((problem, index, all) => all.indexOf(problem) === index);
    const quoted = problems.slice(0, QUOTED_BRANCH_PROBLEMS).join('; ');
    const more = problems.length > QUOTED_BRANCH_PROBLEMS ? ` (and ${problems.length - QUOTED_BRANCH_PROBLEMS} more)` : '';
    context.findings.report(ruleId, file, instancePathSegments(data, path), `matches none of the allowed forms; closest problems: ${quoted}${more}`);
  }
  for (const error of errors) {
    if (combinators.has(error.keyword) || failedChoices.some((path) => withinPath(error.instancePath, path))) continue;
    const key = `${error.instancePath}|${describe(error)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    context.findings.report(ruleId, file, instancePathSegments(data, error.instancePath), `${describe(error)} (schema ${error.schemaPath})`);
  }
}

/** R53 definition schema, R52 apiProperties schema (both with their allow-lists), X03 settings schema. */
export const jsonSchemaRules: RuleFamily = {
  name: 'JSON schemas',
  check(context) {
    const { swagger, apiProperties, settings } = validators();
    const { definition, properties, files } = context;
    if (definition !== undefined && !swagger(definition)) reportErrors(context, 'R53', CONNECTOR_FILES.definition, definition, swagger.errors ?? []);
    if (properties !== undefined && !apiProperties(properties)) reportErrors(context, 'R52', CONNECTOR_FILES.properties, properties, apiProperties.errors ?? []);
    if (files.settings.present && files.settings.ok && !settings(files.settings.value)) {
      reportErrors(context, 'X03', CONNECTOR_FILES.settings, files.settings.value, settings.errors ?? []);
    }
  },
};
