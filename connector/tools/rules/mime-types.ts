import { reportDefinition, type RuleFamily } from '../validation/rule-context';
import { operationsOf } from '../validation/swagger-model';
import type { JsonPath } from '../validation/finding';

/**
 * S1 MimeTypeNotValid names these four as the valid content types; certified connectors also declare
 * application/pdf, application/octet-stream, text/json or "any" (rule-catalog evidence), so another
 * media type is a warning (S1 MimeTypeNotSupported) and only a string that is no media type at all
 * is an error.
 */
export const SUPPORTED_MIME_TYPES = ['application/json', 'text/plain', 'multipart/form-data', 'application/x-www-form-urlencoded'] as const;

/** `type/subtype` of RFC 6838 token characters (parameters such as charset stripped before). */
const MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+*-]+\/[A-Za-z0-9!#$&^_.+*-]+$/;

function baseType(mime: string): string {
  return mime.split(';')[0]!.trim().toLowerCase();
}

/** R48: consumes/produces list media types (parameters such as charset allowed), preferably the supported four. */
export const mimeTypeRules: RuleFamily = {
  name: 'MIME types',
  check(context) {
    const definition = context.definition;
    if (!definition) return;
    const checkList = (list: unknown, path: JsonPath): void => {
      if (!Array.isArray(list)) return;
      list.forEach((mime, index) => {
        if (typeof mime !== 'string' || !MEDIA_TYPE.test(baseType(mime))) {
          reportDefinition(context, 'R48', [...path, index], `MIME type ${JSON.stringify(mime)} is not a media type (type/subtype).`);
        } else if (!(SUPPORTED_MIME_TYPES as readonly string[]).includes(baseType(mime))) {
          reportDefinition(context, 'R48', [...path, index], `MIME type "${mime}" is not one the designer handles as JSON or text (${SUPPORTED_MIME_TYPES.join(', ')}).`, 'MimeTypeNotSupported');
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
