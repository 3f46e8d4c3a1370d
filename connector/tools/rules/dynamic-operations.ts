import type { JsonPath } from '../validation/finding';
import { reportDefinition, type RuleContext, type RuleFamily } from '../validation/rule-context';
import { lookUpItems, lookUpPath, successSchema } from '../validation/response-paths';
import { isObject, operationsOf, parametersOf, walkJson, walkSchema, type JsonObject, type OperationEntry } from '../validation/swagger-model';

/** The extensions that make the designer call another operation of the same definition. */
const DYNAMIC_EXTENSIONS = ['x-ms-dynamic-values', 'x-ms-dynamic-schema', 'x-ms-dynamic-list', 'x-ms-dynamic-properties'] as const;
type DynamicExtension = (typeof DYNAMIC_EXTENSIONS)[number];

/** The x-ms-dynamic-list / -properties forms use `{ value }` and `{ parameterReference: "param/path" }`. */
function isNewStyle(extension: DynamicExtension): boolean {
  return extension === 'x-ms-dynamic-list' || extension === 'x-ms-dynamic-properties';
}

/** Top-level names of an operation's body properties, for references into the body. */
function bodyPropertyNames(definition: JsonObject, entry: OperationEntry): Set<string> {
  const names = new Set<string>();
  for (const { parameter, path, location } of parametersOf(definition, entry)) {
    if (location !== 'body') continue;
    walkSchema(definition, parameter['schema'], [...path, 'schema'], (visit) => {
      if (visit.propertyName !== undefined) names.add(visit.propertyName);
    });
  }
  return names;
}

function operationAt(operations: OperationEntry[], path: JsonPath): OperationEntry | undefined {
  return operations.find((entry) => path[0] === 'paths' && path[1] === entry.pathKey && path[2] === entry.method);
}

function checkCall(
  context: RuleContext,
  definition: JsonObject,
  operations: OperationEntry[],
  extension: DynamicExtension,
  call: JsonObject,
  path: JsonPath,
  holder: JsonObject,
): void {
  const operationId = call['operationId'];
  const target = operations.find((entry) => entry.operation['operationId'] === operationId);
  if (typeof operationId !== 'string' || !target) {
    reportDefinition(context, 'R44', [...path, 'operationId'], `${extension} calls operationId ${JSON.stringify(operationId)}, which is not in this definition.`);
    return;
  }
  const targetParameters = parametersOf(definition, target);
  const given = isObject(call['parameters']) ? call['parameters'] : {};
  const source = operationAt(operations, path);
  const sourceParameters = source ? parametersOf(definition, source).map((p) => p.name) : undefined;
  const sourceBody = source ? bodyPropertyNames(definition, source) : new Set<string>();
  const givenTop = new Set(Object.keys(given).map((key) => key.split('/')[0]!));

  for (const [name, value] of Object.entries(given)) {
    const at = [...path, 'parameters', name];
    if (!targetParameters.some((p) => p.name === name.split('/')[0])) {
      reportDefinition(context, 'R44', at, `"${name}" is not a parameter of ${operationId}.`, 'OperationParameterNameNotFound');
    }
    if (!isObject(value) || sourceParameters === undefined) continue;
    const reference = isNewStyle(extension) ? value['parameterReference'] : value['parameter'];
    if (typeof reference !== 'string') continue;
    const referenced = reference.split('/')[0]!;
    if (isNewStyle(extension)) {
      if (!sourceParameters.includes(referenced)) {
        reportDefinition(context, 'R44', at, `parameterReference "${reference}" does not start with a parameter of ${source!.label}.`, 'ParameterReferenceNotFound');
      }
    } else if (sourceParameters.includes(reference) && sourceBody.has(reference)) {
      const companion = extension === 'x-ms-dynamic-values' ? 'x-ms-dynamic-list' : 'x-ms-dynamic-properties';
      if (!isObject(holder[companion])) {
        const code = extension === 'x-ms-dynamic-values' ? 'DynamicListExtensionRequiredForAmbiguousReferences' : 'DynamicPropertiesExtensionRequiredForAmbiguousReferences';
        reportDefinition(context, 'R45', at, `"${reference}" names both a parameter and a body property; define ${companion} with an unambiguous parameterReference.`, code);
      }
    } else if (!sourceParameters.includes(reference)) {
      if (sourceBody.has(reference)) {
        const companion = extension === 'x-ms-dynamic-values' ? 'x-ms-dynamic-list' : 'x-ms-dynamic-properties';
        if (!isObject(holder[companion])) {
          const code = extension === 'x-ms-dynamic-values' ? 'DynamicListExtensionRequiredForNonParameterReferences' : 'DynamicPropertiesExtensionRequiredForNonParameterReferences';
          reportDefinition(context, 'R45', at, `"${reference}" is a body property, not a parameter; define ${companion} with a parameterReference beside ${extension}.`, code);
        }
      } else {
        reportDefinition(context, 'R44', at, `"${reference}" is neither a parameter nor a body property of ${source!.label}.`, 'ParameterReferenceNotFound');
      }
    }
  }
  for (const parameter of targetParameters) {
    if (parameter.parameter['required'] === true && parameter.parameter['default'] === undefined && !givenTop.has(parameter.name)) {
      reportDefinition(context, 'R44', [...path, 'parameters'], `${operationId} requires parameter "${parameter.name}", which ${extension} does not supply.`, 'OperationMissingRequiredProperty');
    }
  }
  checkResponsePaths(context, definition, extension, call, path, target);
  if (extension === 'x-ms-dynamic-schema' && !isObject(holder['x-ms-dynamic-properties'])) {
    const valuePath = call['value-path'];
    if (typeof valuePath === 'string' && /(^|\/)properties$/.test(valuePath)) {
      reportDefinition(context, 'R45', [...path, 'value-path'], `value-path "${valuePath}" points to schema properties; define x-ms-dynamic-properties pointing to the schema object.`, 'DynamicPropertiesExtensionRequiredForPropertiesValuePath');
    }
  }
}

/** Which path strings of each extension point into the called operation's response. */
const RESPONSE_PATHS: Record<DynamicExtension, { collection?: string; item: readonly string[]; root: readonly string[] }> = {
  'x-ms-dynamic-values': { collection: 'value-collection', item: ['value-path', 'value-title'], root: [] },
  'x-ms-dynamic-list': { collection: 'itemsPath', item: ['itemValuePath', 'itemTitlePath'], root: [] },
  'x-ms-dynamic-schema': { item: [], root: ['value-path'] },
  'x-ms-dynamic-properties': { item: [], root: ['itemValuePath'] },
};

/**
 * S1 InvokedOperationShouldProduceArray / InvokedOperationShouldProduceProperty: the paths an
 * extension reads from the called operation's response exist in its success schema (where that
 * schema declares its properties; free-form objects are not second-guessed).
 */
function checkResponsePaths(context: RuleContext, definition: JsonObject, extension: DynamicExtension, call: JsonObject, path: JsonPath, target: OperationEntry): void {
  const root = successSchema(definition, target);
  if (!root) return;
  const paths = RESPONSE_PATHS[extension];
  const label = String(target.operation['operationId']);
  for (const key of paths.root) {
    const value = call[key];
    if (typeof value !== 'string') continue;
    const found = lookUpPath(definition, root, value);
    if (found.kind === 'missing') reportDefinition(context, 'R44', [...path, key], `${label}'s response has no property at "${value}".`, 'InvokedOperationShouldProduceProperty');
  }
  if (paths.collection === undefined) return;
  const collectionPath = call[paths.collection];
  const items = lookUpItems(definition, root, typeof collectionPath === 'string' ? collectionPath : undefined);
  const at = [...path, typeof collectionPath === 'string' ? paths.collection : 'operationId'];
  if (items.kind === 'notArray' || items.kind === 'missing') {
    reportDefinition(context, 'R44', at, `${label}'s response has no array at "${typeof collectionPath === 'string' ? collectionPath : '(root)'}".`, 'InvokedOperationShouldProduceArray');
    return;
  }
  if (items.kind !== 'found') return;
  for (const key of paths.item) {
    const value = call[key];
    if (typeof value !== 'string') continue;
    if (lookUpPath(definition, items.schema, value).kind === 'missing') {
      reportDefinition(context, 'R44', [...path, key], `the items of ${label}'s response have no property at "${value}".`, 'InvokedOperationShouldProduceProperty');
    }
  }
}

/**
 * R44: the operations that dynamic values, dynamic schemas and testConnection call exist in this
 * definition, the parameters passed are theirs, the references resolve in the calling operation,
 * and every required parameter is supplied; testConnection calls a GET (S10).
 * R45: references to body properties need x-ms-dynamic-list / x-ms-dynamic-properties.
 */
export const dynamicOperationRules: RuleFamily = {
  name: 'dynamic operations and test connection',
  check(context) {
    const definition = context.definition;
    if (!definition) return;
    const operations = operationsOf(definition);
    walkJson(definition, [], (value, path) => {
      if (!isObject(value)) return;
      for (const extension of DYNAMIC_EXTENSIONS) {
        const call = value[extension];
        if (isObject(call)) checkCall(context, definition, operations, extension, call, [...path, extension], value);
      }
    });
    const capabilities = definition['x-ms-capabilities'];
    const testConnection = isObject(capabilities) ? capabilities['testConnection'] : undefined;
    if (!isObject(testConnection)) return;
    const path = ['x-ms-capabilities', 'testConnection'];
    const target = operations.find((entry) => entry.operation['operationId'] === testConnection['operationId']);
    if (!target) {
      reportDefinition(context, 'R44', [...path, 'operationId'], `testConnection operationId ${JSON.stringify(testConnection['operationId'])} is not in this definition.`);
      return;
    }
    if (target.method !== 'get') reportDefinition(context, 'R44', [...path, 'operationId'], `testConnection must call a GET operation (${target.label} is ${target.method.toUpperCase()}).`, 'S10');
    const given = isObject(testConnection['parameters']) ? testConnection['parameters'] : {};
    const targetParameters = parametersOf(definition, target);
    for (const name of Object.keys(given)) {
      if (!targetParameters.some((p) => p.name === name)) reportDefinition(context, 'R44', [...path, 'parameters', name], `"${name}" is not a parameter of ${target.label}.`, 'OperationParameterNameNotFound');
    }
    for (const parameter of targetParameters) {
      if (parameter.parameter['required'] === true && parameter.parameter['default'] === undefined && !(parameter.name in given)) {
        reportDefinition(context, 'R44', [...path, 'parameters'], `${target.label} requires "${parameter.name}"; testConnection must call it with no or hard-coded parameters.`, 'OperationMissingRequiredProperty');
      }
    }
  },
};
