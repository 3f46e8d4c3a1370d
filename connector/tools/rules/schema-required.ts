import { reportDefinition, type RuleFamily } from '../validation/rule-context';
import { isObject, walkJson } from '../validation/swagger-model';

/** R47: `required` lists only on object schemas, never empty, naming defined properties. */
export const schemaRequiredRules: RuleFamily = {
  name: 'required properties',
  check(context) {
    const definition = context.definition;
    if (!definition) return;
    walkJson(definition, [], (value, path) => {
      if (!isObject(value) || !Array.isArray(value['required'])) return;
      const required = value['required'] as unknown[];
      const at = [...path, 'required'];
      if (value['type'] !== undefined && value['type'] !== 'object') {
        reportDefinition(context, 'R47', at, `"required" applies to object schemas only (this one is ${JSON.stringify(value['type'])}).`, 'RequiredPropertyNotOnObject');
        return;
      }
      if (required.length === 0) {
        reportDefinition(context, 'R47', at, 'the "required" array must list at least one property, or be removed.', 'RequiredPropertyArrayEmpty');
        return;
      }
      if (value['allOf'] !== undefined) return;
      const properties = isObject(value['properties']) ? value['properties'] : {};
      for (const name of required) {
        if (typeof name !== 'string' || !(name in properties)) {
          reportDefinition(context, 'R47', at, `required property ${JSON.stringify(name)} is not defined in the schema's properties.`);
        }
      }
    });
  },
};
