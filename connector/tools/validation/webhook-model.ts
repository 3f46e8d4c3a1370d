import type { JsonPath } from './finding';
import { isObject, parametersOf, walkSchema, type JsonObject, type OperationEntry, type SchemaVisit } from './swagger-model';

export interface NotificationUrlProperty {
  readonly visit: SchemaVisit;
  /** The body parameter that holds the property. */
  readonly parameter: JsonObject;
  readonly parameterPath: JsonPath;
}

/** Properties marked `x-ms-notification-url: true` in the operation's body parameter. */
export function notificationUrlProperties(definition: JsonObject, entry: OperationEntry): NotificationUrlProperty[] {
  const found: NotificationUrlProperty[] = [];
  for (const { parameter, path, location } of parametersOf(definition, entry)) {
    if (location !== 'body') continue;
    walkSchema(definition, parameter['schema'], [...path, 'schema'], (visit) => {
      if (visit.schema['x-ms-notification-url'] === true) found.push({ visit, parameter, parameterPath: path });
    });
  }
  return found;
}

/** A webhook trigger: `x-ms-trigger` and a notification URL in its body (S1 Webhooks, S5). */
export function isWebhookTrigger(definition: JsonObject, entry: OperationEntry): boolean {
  return typeof entry.operation['x-ms-trigger'] === 'string' && notificationUrlProperties(definition, entry).length > 0;
}

/** The webhook payload schema: `x-ms-notification-content` on the path item (where S6 allows it). */
export function notificationContentOf(entry: OperationEntry): JsonObject | undefined {
  const content = entry.pathItem['x-ms-notification-content'];
  return isObject(content) ? content : undefined;
}
