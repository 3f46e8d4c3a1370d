import { reportDefinition, type RuleFamily } from '../validation/rule-context';
import { isInternal, isObject, operationsOf, parametersOf, responseEntries, walkSchema, dereference } from '../validation/swagger-model';
import { notificationContentOf, notificationUrlProperties } from '../validation/webhook-model';

/**
 * R40 (S1 Webhooks): the notification URL is a string body property, required all the way down,
 * itself or a parent internal, only in the input body, and the trigger defines
 * x-ms-notification-content. R42 (S5): a webhook connector has a DELETE operation, and the
 * subscribe operation answers 201 with a Location header (the URL the platform deletes).
 */
export const webhookRules: RuleFamily = {
  name: 'webhooks',
  check(context) {
    const definition = context.definition;
    if (!definition) return;
    const operations = operationsOf(definition);
    let webhookCount = 0;
    for (const entry of operations) {
      for (const { parameter, path, location } of parametersOf(definition, entry)) {
        if (location !== 'body' && parameter['x-ms-notification-url'] !== undefined) {
          reportDefinition(context, 'R40', [...path, 'x-ms-notification-url'], 'the notification URL is allowed only in the input body.', 'NotificationUrlNotAllowedInThisPosition');
        }
      }
      for (const [code, raw] of responseEntries(entry)) {
        const { node, path } = dereference(definition, raw, [...entry.path, 'responses', code]);
        if (!isObject(node)) continue;
        walkSchema(definition, node['schema'], [...path, 'schema'], (visit) => {
          if (visit.schema['x-ms-notification-url'] !== undefined) {
            reportDefinition(context, 'R40', [...visit.path, 'x-ms-notification-url'], 'the notification URL is allowed only in the input body.', 'NotificationUrlNotAllowedInThisPosition');
          }
        });
      }

      const isTrigger = typeof entry.operation['x-ms-trigger'] === 'string';
      const urls = notificationUrlProperties(definition, entry);
      const content = notificationContentOf(entry);
      if (urls.length === 0) {
        if (isTrigger && content && entry.method !== 'get') {
          reportDefinition(context, 'R40', [...entry.path, 'parameters'], `webhook operation ${entry.label} is missing its notification URL property (x-ms-notification-url: true).`, 'WebhookOperationsMissingNotificationUrlProperty');
        }
        continue;
      }
      webhookCount++;
      if (!content) {
        reportDefinition(context, 'R40', ['paths', entry.pathKey, 'x-ms-notification-content'], `operation ${entry.label} has a notification URL property but no x-ms-notification-content.`, 'OperationMustHaveNotificationContentExtension');
      }
      for (const { visit, parameter } of urls) {
        const at = [...visit.path, 'x-ms-notification-url'];
        if (visit.schema['type'] !== 'string') reportDefinition(context, 'R40', at, 'the notification URL property must be of type string.', 'NotificationUrlNotString');
        if (parameter['required'] !== true || !visit.requiredAllTheWay) {
          reportDefinition(context, 'R40', at, 'the notification URL property must be required all the way through the schema chain (body parameter included).', 'NotificationUrlNotRequired');
        }
        if (!isInternal(visit.schema) && !visit.ancestors.some(isInternal) && !isInternal(parameter)) {
          reportDefinition(context, 'R40', at, 'the notification URL property itself or one of its parents must be x-ms-visibility internal.', 'NotificationUrlNotInternal');
        }
      }
      const created = responseEntries(entry).find(([code]) => code === '201');
      const createdResponse = created ? dereference(definition, created[1], []).node : undefined;
      const headers = isObject(createdResponse) && isObject(createdResponse['headers']) ? Object.keys(createdResponse['headers']).map((h) => h.toLowerCase()) : [];
      if (!headers.includes('location')) {
        reportDefinition(context, 'R42', [...entry.path, 'responses'], `webhook trigger ${entry.label} should answer 201 with a Location header: the URL the platform calls with DELETE to unsubscribe.`);
      }
    }
    if (webhookCount > 0 && !operations.some((entry) => entry.method === 'delete')) {
      reportDefinition(context, 'R42', ['paths'], 'a webhook connector must define a DELETE operation so the platform can remove the subscription.');
    }
  },
};
