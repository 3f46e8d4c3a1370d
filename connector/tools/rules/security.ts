import { reportDefinition, type RuleContext, type RuleFamily } from '../validation/rule-context';
import { isObject, operationsOf } from '../validation/swagger-model';
import type { JsonPath } from '../validation/finding';

function checkRequirements(context: RuleContext, security: unknown, path: JsonPath, definitions: Record<string, unknown>): void {
  if (!Array.isArray(security)) return;
  security.forEach((requirement, index) => {
    if (!isObject(requirement)) return;
    for (const [name, scopes] of Object.entries(requirement)) {
      const scheme = definitions[name];
      const at = [...path, index, name];
      if (!isObject(scheme)) {
        reportDefinition(context, 'R49', at, `security requirement "${name}" is not defined in securityDefinitions.`, 'SecurityRequirementMustBeDefined');
        continue;
      }
      if (!Array.isArray(scopes)) {
        reportDefinition(context, 'R49', at, `security requirement "${name}" must have an array value (empty when no scopes).`, 'SecurityRequirementMustHaveValue');
      } else if (scheme['type'] !== 'oauth2' && scopes.length > 0) {
        reportDefinition(context, 'R49', at, `security requirement "${name}" cannot list scopes for a ${String(scheme['type'])} scheme.`, 'SecurityRequirementMustHaveEmptyValue');
      } else if (scheme['type'] === 'oauth2') {
        const declared = isObject(scheme['scopes']) ? scheme['scopes'] : {};
        for (const scope of scopes) {
          if (typeof scope !== 'string' || !(scope in declared)) {
            reportDefinition(context, 'R49', at, `scope ${JSON.stringify(scope)} is not defined in securityDefinitions.${name}.scopes.`, 'OAuthSecurityRequirementValueMustBeScopeName');
          }
        }
      }
    }
  });
}

/** R49: security schemes complete; every security requirement names a defined scheme. */
export const securityRules: RuleFamily = {
  name: 'security',
  check(context) {
    const definition = context.definition;
    if (!definition) return;
    const definitions = isObject(definition['securityDefinitions']) ? definition['securityDefinitions'] : {};
    for (const [name, scheme] of Object.entries(definitions)) {
      if (!isObject(scheme)) continue;
      const path = ['securityDefinitions', name];
      const missing = (property: string): void =>
        reportDefinition(context, 'R49', [...path, property], `security definition property "${property}" is required for type "${String(scheme['type'])}".`, 'SecuritySchemePropertyRequired');
      if (scheme['type'] === 'apiKey') {
        if (typeof scheme['name'] !== 'string' || scheme['name'] === '') missing('name');
        if (scheme['in'] !== 'header' && scheme['in'] !== 'query') missing('in');
      } else if (scheme['type'] === 'oauth2') {
        const flow = scheme['flow'];
        if (flow === 'accessCode' || flow === 'implicit') if (typeof scheme['authorizationUrl'] !== 'string') missing('authorizationUrl');
        if (flow === 'accessCode' || flow === 'password' || flow === 'application') if (typeof scheme['tokenUrl'] !== 'string') missing('tokenUrl');
        if (!isObject(scheme['scopes'])) missing('scopes');
      }
    }
    checkRequirements(context, definition['security'], ['security'], definitions);
    for (const entry of operationsOf(definition)) checkRequirements(context, entry.operation['security'], [...entry.path, 'security'], definitions);
  },
};
