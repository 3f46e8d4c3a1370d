import { reportDefinition, type RuleFamily } from '../validation/rule-context';
import { isInternal, isObject, isSuccessCode, operationsOf, responseEntries, dereference } from '../validation/swagger-model';
import { isWebhookTrigger, notificationContentOf } from '../validation/webhook-model';

/** R27 response present, R28 a 2xx, R29 no schema on default, R30/R31 success schemas, R56 202 + Location. */
export const responseRules: RuleFamily = {
  name: 'responses',
  check(context) {
    const definition = context.definition;
    if (!definition) return;
    for (const entry of operationsOf(definition)) {
      const responsesPath = [...entry.path, 'responses'];
      const responses = responseEntries(entry).map(([code, raw]) => {
        const { node } = dereference(definition, raw, [...responsesPath, code]);
        return { code, response: isObject(node) ? node : {} };
      });
      if (responses.length === 0) {
        reportDefinition(context, 'R27', responsesPath, `operation ${entry.label} must define at least one response.`);
        continue;
      }
      const successes = responses.filter(({ code }) => isSuccessCode(code));
      if (successes.length === 0) {
        reportDefinition(context, 'R28', responsesPath, `operation ${entry.label} should define at least one successful (2xx) response.`);
      }
      for (const { code, response } of responses) {
        if (code === 'default' && response['schema'] !== undefined) {
          reportDefinition(context, 'R29', [...responsesPath, code, 'schema'], 'the "default" response should not define a schema; define schemas on expected responses only.');
        }
        if (code === '202') {
          const headers = isObject(response['headers']) ? Object.keys(response['headers']).map((name) => name.toLowerCase()) : [];
          if (!headers.includes('location')) {
            reportDefinition(context, 'R56', [...responsesPath, code, 'headers'], '202 Accepted should declare a Location header (the URL the platform polls); Retry-After is optional.');
          }
        }
      }
      const withSchema = successes.filter(({ response }) => response['schema'] !== undefined);
      if (withSchema.length > 1) {
        reportDefinition(context, 'R31', responsesPath, `operation ${entry.label} has ${withSchema.length} success responses with a schema (${withSchema.map((r) => r.code).join(', ')}); the designer uses only one.`);
      }
      if (isInternal(entry.operation)) continue;
      if (isWebhookTrigger(definition, entry)) {
        if (notificationContentOf(entry)?.['schema'] === undefined) {
          reportDefinition(context, 'R30', ['paths', entry.pathKey, 'x-ms-notification-content'], `webhook trigger ${entry.label} should define its payload schema in x-ms-notification-content.`);
        }
        continue;
      }
      const okOrCreated = responses.filter(({ code }) => code === '200' || code === '201');
      if (okOrCreated.length > 0 && okOrCreated.every(({ response }) => response['schema'] === undefined)) {
        reportDefinition(context, 'R30', responsesPath, `operation ${entry.label} should define an output schema on its 200 or 201 response to be usable in the designer.`);
      }
    }
  },
};
