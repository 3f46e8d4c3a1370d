import { reportDefinition, type RuleFamily } from '../validation/rule-context';
import { isObject, operationsOf, walkJson } from '../validation/swagger-model';

export const TRIGGER_KINDS = ['single', 'batch'] as const;
export const VISIBILITIES = ['important', 'advanced', 'internal'] as const;

/** R43 (S4, S6): x-ms-trigger is single or batch; x-ms-visibility is important, advanced or internal. */
export const extensionValueRules: RuleFamily = {
  name: 'extension values',
  check(context) {
    const definition = context.definition;
    if (!definition) return;
    for (const entry of operationsOf(definition)) {
      const trigger = entry.operation['x-ms-trigger'];
      if (trigger !== undefined && !(TRIGGER_KINDS as readonly unknown[]).includes(trigger)) {
        reportDefinition(context, 'R43', [...entry.path, 'x-ms-trigger'], `x-ms-trigger ${JSON.stringify(trigger)} must be one of ${TRIGGER_KINDS.join(', ')}.`, 'JsonValueNotInEnum');
      }
    }
    walkJson(definition, [], (value, path) => {
      if (!isObject(value) || !('x-ms-visibility' in value)) return;
      // A schema's `properties` map may describe a property *named* x-ms-visibility (a schema of schemas).
      if (path[path.length - 1] === 'properties') return;
      const visibility = value['x-ms-visibility'];
      if (!(VISIBILITIES as readonly unknown[]).includes(visibility)) {
        reportDefinition(context, 'R43', [...path, 'x-ms-visibility'], `x-ms-visibility ${JSON.stringify(visibility)} must be one of ${VISIBILITIES.join(', ')}.`, 'JsonValueNotInEnum');
      }
    });
  },
};
