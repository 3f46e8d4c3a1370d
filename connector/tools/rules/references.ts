import { reportDefinition, type RuleFamily } from '../validation/rule-context';
import { isObject, resolvePointer, walkJson } from '../validation/swagger-model';

const REFERENCE_KINDS: Record<string, { prefix: string; code: string; loopCode: string }> = {
  definitions: { prefix: '#/definitions/', code: 'SchemaReferenceNotValid', loopCode: 'SchemaRefLoopNotAllowed' },
  parameters: { prefix: '#/parameters/', code: 'ParameterReferenceNotValid', loopCode: 'ParameterRefLoopNotAllowed' },
  responses: { prefix: '#/responses/', code: 'ResponseReferenceNotValid', loopCode: 'ResponseRefLoopNotAllowed' },
};

/** The definitions a schema must contain through required properties (following `$ref`s and allOf). */
function requiredReferences(schema: unknown): string[] {
  if (!isObject(schema)) return [];
  if (typeof schema['$ref'] === 'string') return schema['$ref'].startsWith('#/definitions/') ? [schema['$ref'].slice('#/definitions/'.length)] : [];
  const found: string[] = [];
  if (Array.isArray(schema['allOf'])) for (const part of schema['allOf']) found.push(...requiredReferences(part));
  const required = Array.isArray(schema['required']) ? schema['required'] : [];
  const properties = isObject(schema['properties']) ? schema['properties'] : {};
  for (const name of required) if (typeof name === 'string') found.push(...requiredReferences(properties[name]));
  return found;
}

/** Definitions that contain themselves through required properties: no finite value exists. */
export function requiredLoops(definitions: Record<string, unknown>): string[] {
  const loops: string[] = [];
  for (const start of Object.keys(definitions)) {
    const seen = new Set<string>();
    const queue = requiredReferences(definitions[start]);
    while (queue.length > 0) {
      const name = queue.shift()!;
      if (name === start) {
        loops.push(start);
        break;
      }
      if (seen.has(name)) continue;
      seen.add(name);
      queue.push(...requiredReferences(definitions[name]));
    }
  }
  return loops;
}

/**
 * R46: `$ref` points into #/definitions, #/parameters or #/responses and resolves there; no keys
 * beside `$ref`; a top-level definition, parameter or response is not itself a `$ref`; no
 * definition contains itself through required properties (S1 RequiredLoopInSchemaNotAllowed).
 */
export const referenceRules: RuleFamily = {
  name: 'references',
  check(context) {
    const definition = context.definition;
    if (!definition) return;
    walkJson(definition, [], (value, path) => {
      if (!isObject(value) || typeof value['$ref'] !== 'string') return;
      const ref = value['$ref'];
      const at = [...path, '$ref'];
      const kind = Object.values(REFERENCE_KINDS).find((k) => ref.startsWith(k.prefix) && ref.length > k.prefix.length && !ref.slice(k.prefix.length).includes('/'));
      if (!kind) {
        reportDefinition(context, 'R46', at, `$ref "${ref}" must point to an entry directly under #/definitions, #/parameters or #/responses.`, 'JsonPointerNotValid');
        return;
      }
      if (resolvePointer(definition, ref) === undefined) {
        reportDefinition(context, 'R46', at, `$ref "${ref}" could not be found in this document.`, kind.code.replace('NotValid', 'NotFound'));
      }
      const siblings = Object.keys(value).filter((key) => key !== '$ref');
      if (siblings.length > 0) {
        reportDefinition(context, 'R46', path, `no other properties may stand beside $ref (found ${siblings.join(', ')}).`, 'AdditionalPropertyNotAllowedAdjacentToRef');
      }
    });
    if (isObject(definition['definitions'])) {
      for (const name of requiredLoops(definition['definitions'])) {
        reportDefinition(context, 'R46', ['definitions', name], `definitions.${name} contains itself through required properties.`, 'RequiredLoopInSchemaNotAllowed');
      }
    }
    for (const [section, kind] of Object.entries(REFERENCE_KINDS)) {
      const entries = definition[section];
      if (!isObject(entries)) continue;
      for (const [name, entry] of Object.entries(entries)) {
        if (isObject(entry) && typeof entry['$ref'] === 'string') {
          reportDefinition(context, 'R46', [section, name, '$ref'], `${section}.${name} may not be only a $ref to another entry.`, kind.loopCode);
        }
      }
    }
  },
};
