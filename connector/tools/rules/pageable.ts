import { successSchema, lookUpPath } from '../validation/response-paths';
import { reportDefinition, type RuleFamily } from '../validation/rule-context';
import { isObject, operationsOf, type JsonObject } from '../validation/swagger-model';

/** The only next-link property names the certification validator accepts (S1 InvalidNextLinkNameValue). */
export const NEXT_LINK_NAMES = ['nextLink', '@odata.nextLink'] as const;

/** The `updatenextlink` policy templates of apiProperties: their next-link name and operations (none: all). */
function nextLinkPolicies(properties: JsonObject | undefined): { name: unknown; operations: readonly unknown[] | undefined }[] {
  const root = properties && isObject(properties['properties']) ? properties['properties'] : {};
  const instances = Array.isArray(root['policyTemplateInstances']) ? root['policyTemplateInstances'] : [];
  return instances
    .filter((instance): instance is JsonObject => isObject(instance) && String(instance['templateId']).toLowerCase() === 'updatenextlink')
    .map((instance) => {
      const parameters = isObject(instance['parameters']) ? instance['parameters'] : {};
      const operations = parameters['x-ms-apimTemplate-operationName'];
      return { name: parameters['x-ms-apimTemplateParameter.nextLinkPropertyName'], operations: Array.isArray(operations) ? operations : undefined };
    });
}

/**
 * X08 x-ms-pageable: the next link's name is one the certification validator accepts (S1); the
 * operation's success response declares that property as a string (S6: "the property at the root of
 * the response"); and an `updatenextlink` policy template routes it (S6: "Be sure to use the policy
 * template"), else the platform fetches the link outside the connector, without the connection.
 */
export const pageableRules: RuleFamily = {
  name: 'x-ms-pageable',
  check(context) {
    const definition = context.definition;
    if (!definition) return;
    const policies = nextLinkPolicies(context.properties);
    for (const entry of operationsOf(definition)) {
      const pageable = entry.operation['x-ms-pageable'];
      if (pageable === undefined) continue;
      const at = [...entry.path, 'x-ms-pageable', 'nextLinkName'];
      const name = isObject(pageable) ? pageable['nextLinkName'] : undefined;
      if (typeof name !== 'string' || !(NEXT_LINK_NAMES as readonly string[]).includes(name)) {
        reportDefinition(context, 'X08', at, `nextLinkName ${JSON.stringify(name)} of ${entry.label} must be ${NEXT_LINK_NAMES.join(' or ')}.`, 'InvalidNextLinkNameValue');
        continue;
      }
      const schema = successSchema(definition, entry);
      const found = schema ? lookUpPath(definition, schema, name) : undefined;
      if (!schema || found?.kind === 'missing' || (found?.kind === 'found' && found.schema['type'] !== 'string')) {
        reportDefinition(context, 'X08', at, `${entry.label}'s success response does not declare "${name}" as a string at its root.`, 'NextLinkPropertyMissing');
      }
      const routed = policies.some((policy) => policy.name === name && (policy.operations === undefined || policy.operations.includes(entry.operation['operationId'])));
      if (!routed) {
        reportDefinition(context, 'X08', at, `no updatenextlink policy template in apiProperties.json routes "${name}" of ${entry.label} back through the connector.`, 'NextLinkNotRouted');
      }
    }
  },
};
