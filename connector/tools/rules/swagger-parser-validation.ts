import SwaggerParser from '@apidevtools/swagger-parser';
import type { RuleFamily } from '../validation/rule-context';
import { reportDefinition } from '../validation/rule-context';
import { isObject, operationsOf, type JsonObject } from '../validation/swagger-model';
import { instancePathSegments } from './json-schemas';

/**
 * The copy swagger-parser checks: an operation's empty `responses` gets a placeholder `default`,
 * because certified connectors ship webhook and internal operations with `"responses": {}` (the
 * platform accepts them; R27 warns) and a schema failure would hide every later check.
 */
function withAcceptedGaps(definition: JsonObject): JsonObject {
  const copy = structuredClone(definition);
  for (const { operation } of operationsOf(copy)) {
    const responses = operation['responses'];
    if (isObject(responses) && Object.keys(responses).every((key) => key.startsWith('x-'))) responses['default'] = { description: 'placeholder' };
  }
  return copy;
}

/**
 * X01: @apidevtools/swagger-parser 12 validates the definition against the Swagger 2.0 schema and
 * the spec rules a JSON schema cannot express (duplicate parameters, path parameters, $refs).
 * It dereferences its argument, so it gets a copy.
 */
export const swaggerParserRules: RuleFamily = {
  name: 'swagger-parser',
  async check(context) {
    const definition = context.definition;
    if (!definition) return;
    try {
      await SwaggerParser.validate(withAcceptedGaps(definition) as never);
    } catch (error) {
      const details = (error as { details?: { instancePath?: string; message?: string }[] }).details;
      const lines = (error as Error).message.split('\n').map((line) => line.trim()).filter(Boolean);
      if (Array.isArray(details) && details.length > 0) {
        // Schema failures: R53 reports them one by one against the connector schema; here one summary.
        const first = details[0]!;
        const path = instancePathSegments(definition, first.instancePath ?? '');
        reportDefinition(context, 'X01', path, `not a valid Swagger 2.0 document (${details.length} schema problem(s); first: ${first.message ?? lines[0] ?? 'invalid'}).`);
      } else {
        reportDefinition(context, 'X01', [], lines.slice(0, 6).join(' '));
      }
    }
  },
};
