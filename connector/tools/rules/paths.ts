import { reportDefinition, type RuleFamily } from '../validation/rule-context';
import { pathItemsOf } from '../validation/swagger-model';

/** R15/R16: path templates well formed and unique when compared case-insensitively. */
export const pathRules: RuleFamily = {
  name: 'paths',
  check(context) {
    const definition = context.definition;
    if (!definition) return;
    const seen = new Map<string, string>();
    for (const [pathKey, pathItem] of pathItemsOf(definition)) {
      const path = ['paths', pathKey];
      if (!pathKey.startsWith('/')) reportDefinition(context, 'R15', path, `path "${pathKey}" must start with "/".`, 'OperationPathMustStartWithSlash');
      if (/[?#]/.test(pathKey)) reportDefinition(context, 'R15', path, `path "${pathKey}" must not contain a query or fragment.`, 'OperationPathMayNotContainQueryOrFragment');
      if (pathKey.includes('*')) reportDefinition(context, 'R15', path, `path "${pathKey}" must not contain the wildcard "*".`, 'OperationPathContainsUnsupportedCharacters');
      const withoutVariables = pathKey.replace(/\{[^{}/]+\}/g, '');
      if (/[{}]/.test(withoutVariables)) {
        reportDefinition(context, 'R15', path, `path "${pathKey}": each {variable} must sit within one URL segment.`, 'OperationPathTemplateNotValid');
      }
      if (/\{[^{}/]*=[^{}/]*\}/.test(pathKey)) reportDefinition(context, 'R15', path, `path "${pathKey}": template variables cannot set defaults with "=".`, 'OperationPathVariablesContainDefaults');
      if ('$ref' in pathItem) reportDefinition(context, 'R15', [...path, '$ref'], 'a path item cannot use $ref.', 'PathItemRefNotSuppored');
      const folded = pathKey.toLowerCase();
      const earlier = seen.get(folded);
      if (earlier !== undefined) reportDefinition(context, 'R15', path, `path "${pathKey}" redefines "${earlier}" with different capitalization.`, 'PathRedefined');
      else seen.set(folded, pathKey);
    }
  },
};
