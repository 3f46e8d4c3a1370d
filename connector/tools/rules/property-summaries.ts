import { reportDefinition, type RuleFamily } from '../validation/rule-context';
import { dereference, isInternal, isObject, isSuccessCode, operationsOf, parametersOf, responseEntries, walkSchema } from '../validation/swagger-model';
import { notificationContentOf } from '../validation/webhook-model';

/**
 * X07 (S3 "Parameters" and "Response": x-ms-summary is the name people see for a body field or an
 * output): every property of a visible operation's request body, success response and webhook
 * payload has one, unless it or a parent is internal. Each property is reported once, where its
 * schema is written, however many operations use it.
 */
export const propertySummaryRules: RuleFamily = {
  name: 'property summaries',
  check(context) {
    const definition = context.definition;
    if (!definition) return;
    const reported = new Set<string>();
    const visitRoot = (schema: unknown, path: (string | number)[]): void =>
      walkSchema(definition, schema, path, (visit) => {
        if (visit.propertyName === undefined || isInternal(visit.schema) || visit.ancestors.some(isInternal)) return;
        const summary = visit.schema['x-ms-summary'];
        if (typeof summary === 'string' && summary.trim() !== '') return;
        const key = JSON.stringify(visit.path);
        if (reported.has(key)) return;
        reported.add(key);
        reportDefinition(context, 'X07', [...visit.path, 'x-ms-summary'], `property "${visit.propertyName}" should have an x-ms-summary (its name in the designer).`);
      });
    for (const entry of operationsOf(definition)) {
      if (isInternal(entry.operation)) continue;
      for (const { parameter, path, location } of parametersOf(definition, entry)) {
        if (location === 'body' && !isInternal(parameter)) visitRoot(parameter['schema'], [...path, 'schema']);
      }
      for (const [code, raw] of responseEntries(entry)) {
        if (!isSuccessCode(code)) continue;
        const { node, path } = dereference(definition, raw, [...entry.path, 'responses', code]);
        if (isObject(node)) visitRoot(node['schema'], [...path, 'schema']);
      }
      const content = notificationContentOf(entry);
      if (content) visitRoot(content['schema'], ['paths', entry.pathKey, 'x-ms-notification-content', 'schema']);
    }
  },
};
