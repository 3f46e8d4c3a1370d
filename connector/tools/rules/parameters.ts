import { reportDefinition, type RuleFamily } from '../validation/rule-context';
import { isInternal, operationsOf, parametersOf } from '../validation/swagger-model';

/** Words Title Case leaves in lower case (S3 "Case: Title"). */
const MINOR_WORDS = new Set(['a', 'an', 'and', 'as', 'at', 'by', 'for', 'from', 'in', 'of', 'on', 'or', 'per', 'the', 'to', 'via', 'with']);

export function isTitleCase(text: string): boolean {
  const words = text.split(/\s+/).filter(Boolean);
  return words.every((word, index) => {
    const first = word.charAt(0);
    if (first.toLowerCase() === first.toUpperCase()) return true; // digit, parenthesis…
    if (index > 0 && MINOR_WORDS.has(word.toLowerCase())) return true;
    return first === first.toUpperCase();
  });
}

/** Path template variables, e.g. "/v1/{table}/{id}" → ["table", "id"]. */
export function templateVariables(pathKey: string): string[] {
  return [...pathKey.matchAll(/\{([^{}/]+)\}/g)].map((match) => match[1]!);
}

/** R32 path parameters, R33 body/formData/file, R34 connectionId, R35 body schema, R36/R37 labels, R39 GET bodies. */
export const parameterRules: RuleFamily = {
  name: 'parameters',
  check(context) {
    const definition = context.definition;
    if (!definition) return;
    for (const entry of operationsOf(definition)) {
      const parameters = parametersOf(definition, entry);
      const variables = templateVariables(entry.pathKey);
      for (const variable of variables) {
        if (!parameters.some((p) => p.location === 'path' && p.name === variable)) {
          reportDefinition(context, 'R32', [...entry.path, 'parameters'], `operation ${entry.label} does not define the path parameter "${variable}" its path requires.`, 'OperationMissingPathParameter');
        }
      }
      const bodies = parameters.filter((p) => p.location === 'body');
      if (bodies.length > 1) reportDefinition(context, 'R33', [...entry.path, 'parameters'], `operation ${entry.label} has ${bodies.length} body parameters; at most one is allowed.`);
      if (bodies.length > 0 && parameters.some((p) => p.location === 'formData')) {
        reportDefinition(context, 'R33', [...entry.path, 'parameters'], `operation ${entry.label} defines both body and formData parameters.`, 'ParameterListContainsFormDataAndBody');
      }
      if (entry.method === 'get' && (bodies.length > 0 || parameters.some((p) => p.location === 'formData'))) {
        reportDefinition(context, 'R39', [...entry.path, 'parameters'], `GET operation ${entry.label} cannot have body or formData parameters.`);
      }
      for (const { parameter, path, name, location } of parameters) {
        if (location === 'path') {
          if (parameter['required'] !== true) reportDefinition(context, 'R32', [...path, 'required'], `path parameter "${name}" must be "required": true.`);
          if (!variables.includes(name)) reportDefinition(context, 'R32', path, `path parameter "${name}" is not in the path template "${entry.pathKey}".`, 'PathParameterNotDefinedInTemplate');
        }
        if (parameter['type'] === 'file' && location !== 'formData') {
          reportDefinition(context, 'R33', [...path, 'type'], `parameter "${name}" of type file must be in formData.`, 'FileParameterMustBeInFormData');
        }
        if (name.toLowerCase() === 'connectionid') reportDefinition(context, 'R34', [...path, 'name'], 'a parameter cannot be named "connectionId".');
        if (location === 'body') {
          if (parameter['schema'] === undefined) reportDefinition(context, 'R35', path, `body parameter "${name}" must define a schema.`);
          continue;
        }
        if (isInternal(parameter) || isInternal(entry.operation)) continue;
        const summary = parameter['x-ms-summary'];
        if (typeof summary !== 'string' || summary.trim() === '') {
          reportDefinition(context, 'R36', [...path, 'x-ms-summary'], `visible parameter "${name}" should have an x-ms-summary (its label in the designer).`);
        } else if (summary.length > 80 || !isTitleCase(summary)) {
          reportDefinition(context, 'R36', [...path, 'x-ms-summary'], `x-ms-summary "${summary}" should be Title Case and at most 80 characters.`);
        }
        if (typeof parameter['description'] !== 'string' || parameter['description'].trim() === '') {
          reportDefinition(context, 'R37', [...path, 'description'], `visible parameter "${name}" should have a description.`);
        }
      }
    }
  },
};
