import { reportProperties, type RuleFamily } from '../validation/rule-context';
import { isObject } from '../validation/swagger-model';

/** S2: the default icon colour and white are not brand colours. */
export const FORBIDDEN_BRAND_COLORS = ['#007ee5', '#ffffff'] as const;

/** Names used as `@connectionParameters('name')` (optionally with a default) in a policy value. */
export function referencedConnectionParameters(text: string): string[] {
  return [...text.matchAll(/@connectionParameters\(\s*'([^']+)'/g)].map((match) => match[1]!);
}

function declaredConnectionParameters(properties: Record<string, unknown>): Set<string> {
  const names = new Set<string>();
  if (isObject(properties['connectionParameters'])) for (const name of Object.keys(properties['connectionParameters'])) names.add(name);
  const sets = properties['connectionParameterSets'];
  if (isObject(sets) && Array.isArray(sets['values'])) {
    for (const set of sets['values']) if (isObject(set) && isObject(set['parameters'])) for (const name of Object.keys(set['parameters'])) names.add(name);
  }
  return names;
}

/** R50 iconBrandColor, R51 publisher/stackOwner, X04 policy templates use declared connection parameters. */
export const apiPropertiesRules: RuleFamily = {
  name: 'apiProperties',
  check(context) {
    const root = context.properties;
    if (!root) return;
    const properties = isObject(root['properties']) ? root['properties'] : {};
    const color = properties['iconBrandColor'];
    const colorPath = ['properties', 'iconBrandColor'];
    if (typeof color !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(color)) {
      reportProperties(context, 'R50', colorPath, `iconBrandColor ${JSON.stringify(color)} must be a colour written #rrggbb.`);
    } else if ((FORBIDDEN_BRAND_COLORS as readonly string[]).includes(color.toLowerCase())) {
      reportProperties(context, 'R50', colorPath, `iconBrandColor ${color} is not allowed (the default #007ee5 and white #ffffff are refused).`);
    }
    for (const field of ['publisher', 'stackOwner']) {
      if (typeof properties[field] !== 'string' || properties[field] === '') {
        reportProperties(context, 'R51', ['properties', field], `properties.${field} is needed for certification.`);
      }
    }
    const declared = declaredConnectionParameters(properties);
    const instances = Array.isArray(properties['policyTemplateInstances']) ? properties['policyTemplateInstances'] : [];
    instances.forEach((instance, index) => {
      if (!isObject(instance) || !isObject(instance['parameters'])) return;
      for (const [name, value] of Object.entries(instance['parameters'])) {
        const texts = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
        for (const referenced of texts.flatMap(referencedConnectionParameters)) {
          if (!declared.has(referenced)) {
            reportProperties(context, 'X04', ['properties', 'policyTemplateInstances', index, 'parameters', name], `policy template "${String(instance['templateId'])}" uses connection parameter "${referenced}", which connectionParameters does not declare.`);
          }
        }
      }
    });
  },
};
