import { reportDefinition, type RuleFamily } from '../validation/rule-context';
import { operationsOf } from '../validation/swagger-model';
import type { JsonPath } from '../validation/finding';

/** S1 MimeTypeNotValid: the content types connectors support. */
export const SUPPORTED_MIME_TYPES = ['application/json', 'text/plain', 'multipart/form-data', 'application/x-www-form-urlencoded'] as const;

function baseType(mime: string): string {
  return mime.split(';')[0]!.trim().toLowerCase();
}

/** R48: consumes/produces list only supported MIME types (parameters such as charset allowed). */
export const mimeTypeRules: RuleFamily = {
  name: 'MIME types',
  check(context) {
    const definition = context.definition;
    if (!definition) return;
    const checkList = (list: unknown, path: JsonPath): void => {
      if (!Array.isArray(list)) return;
      list.forEach((mime, index) => {
        if (typeof mime !== 'string' || !(SUPPORTED_MIME_TYPES as readonly string[]).includes(baseType(mime))) {
          reportDefinition(context, 'R48', [...path, index], `MIME type ${JSON.stringify(mime)} is not valid; use one of ${SUPPORTED_MIME_TYPES.join(', ')}.`);
        }
      });
    };
    checkList(definition['consumes'], ['consumes']);
    checkList(definition['produces'], ['produces']);
    for (const entry of operationsOf(definition)) {
      checkList(entry.operation['consumes'], [...entry.path, 'consumes']);
      checkList(entry.operation['produces'], [...entry.path, 'produces']);
    }
  },
};
