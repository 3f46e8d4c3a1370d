import { reportDefinition, type RuleFamily } from '../validation/rule-context';
import { isObject, resolvePointer, walkJson } from '../validation/swagger-model';

const REFERENCE_KINDS: Record<string, { prefix: string; code: string; loopCode: string }> = {
  definitions: { prefix: '#/definitions/', code: 'SchemaReferenceNotValid', loopCode: 'SchemaRefLoopNotAllowed' },
  parameters: { prefix: '#/parameters/', code: 'ParameterReferenceNotValid', loopCode: 'ParameterRefLoopNotAllowed' },
  responses: { prefix: '#/responses/', code: 'ResponseReferenceNotValid', loopCode: 'ResponseRefLoopNotAllowed' },
};

/**
 * R46: `$ref` points into #/definitions, #/parameters or #/responses and resolves there; no keys
 * beside `$ref`; a top-level definition, parameter or response is not itself a `$ref`.
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
