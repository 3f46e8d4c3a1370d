/**
 * What Power Automate / Logic Apps do with a custom connector at run time, as far as the live test
 * needs it, driven only by the connector files (apiDefinition.swagger.json, apiProperties.json):
 *
 * - the request URL: the `dynamichosturl` policy template's `x-ms-apimTemplateParameter.urlTemplate`
 *   evaluated with the connection parameters (`@connectionParameters('…')`) replaces the definition's
 *   host (policy-templates/dynamichosturl), then the operation's path with its path parameters;
 * - the API key: each `apiKey` securityDefinition of the operation's `security` is sent in its header,
 *   with the value of the securestring connection parameter of the same name (`api_key`);
 * - parameters by their `in` (path, query, header, body); required ones must be given, internal ones
 *   with a default get it (openapi-extensions "x-ms-visibility");
 * - `x-ms-dynamic-values` / `x-ms-dynamic-list` and `x-ms-dynamic-schema` / `x-ms-dynamic-properties`:
 *   call the named operation with its `parameters` mapping (a static value, `{ parameter }` naming a
 *   parameter or a body property, `{ value }`, `{ parameterReference: "<parameter>/<path>" }`), then
 *   read `value-collection` / `value-path` / `value-title` (`itemsPath` / `itemValuePath` /
 *   `itemTitlePath`) or the schema at `value-path` (`itemValuePath`);
 * - every answer is checked against the response the operation declares for its status (ajv draft-04
 *   on the dereferenced Swagger 2.0 schema, formats included): an undeclared status, a body the schema
 *   refuses, or a property the schema does not declare is a mismatch between connector and API;
 * - the asynchronous pattern (logic-apps-create-api-app, "long-running actions"): a `202 Accepted`
 *   with a `Location` header is not the action's output — its body is not read — and the platform
 *   polls the Location (GET, with the connection's credentials, waiting `Retry-After` seconds) until
 *   the answer is not 202; that final answer is the action's output and is checked against the
 *   action's declared responses (`follow`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';

export type Json = Record<string, unknown>;

export interface ConnectorFiles {
  /** apiDefinition.swagger.json as committed. */
  readonly raw: Json;
  /** The same with every `$ref` replaced by what it points to (swagger-parser dereference). */
  readonly definition: Json;
  readonly apiProperties: Json;
}

export async function loadConnector(folder: string): Promise<ConnectorFiles> {
  const raw = JSON.parse(readFileSync(join(folder, 'apiDefinition.swagger.json'), 'utf8')) as Json;
  const definition = (await SwaggerParser.dereference(structuredClone(raw) as never)) as unknown as Json;
  const apiProperties = JSON.parse(readFileSync(join(folder, 'apiProperties.json'), 'utf8')) as Json;
  return { raw, definition, apiProperties };
}

export interface ConnectorOperation {
  readonly operationId: string;
  readonly method: string;
  readonly path: string;
  readonly operation: Json;
  /** Path-item parameters overridden by the operation's own. */
  readonly parameters: readonly Json[];
}

/** Parameter name → value; the body parameter's value is the JSON body. */
export type OperationInputs = Record<string, unknown>;

export interface Invocation {
  readonly operationId: string;
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

export interface InvokeOptions {
  /** false: send no credentials (the 401 path). */
  readonly authenticated?: boolean;
  /** false: send inputs the definition would not allow, to reach an error answer. */
  readonly checkInputs?: boolean;
}

/** Where a dynamic extension sits: a parameter name, then property names inside a body parameter. */
export type Locator = readonly string[];

export interface DynamicValue {
  readonly value: unknown;
  readonly title: unknown;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

/** JSON text with object keys sorted, to compare argument maps whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, node: unknown) => (isObject(node) ? Object.fromEntries(Object.keys(node).sort().map((key) => [key, node[key]])) : node));
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a path string ("a/b/c", a JSON pointer without the leading slash); undefined when absent. */
export function atPath(value: unknown, path: string | undefined): unknown {
  if (path === undefined || path === '') return value;
  return path.split('/').reduce<unknown>((node, segment) => (isObject(node) ? node[segment.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), value);
}

export class ConnectorMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectorMismatch';
  }
}

export class ConnectorPlatform {
  readonly invocations: Invocation[] = [];
  private readonly ajv: AjvDraft04;
  private readonly operations: Map<string, ConnectorOperation>;

  constructor(
    private readonly connector: ConnectorFiles,
    /** Connection parameter name → the value the user entered when creating the connection. */
    private readonly connection: Record<string, string>,
  ) {
    // Swagger 2.0 schemas are draft-04 plus x-ms-* keywords, which strict mode would refuse.
    this.ajv = new AjvDraft04({ allErrors: true, strict: false });
    addFormats(this.ajv);
    this.operations = new Map();
    const paths = connector.definition['paths'] as Record<string, Json>;
    for (const [path, item] of Object.entries(paths)) {
      const shared = (item['parameters'] ?? []) as Json[];
      for (const method of HTTP_METHODS) {
        const operation = item[method];
        if (!isObject(operation)) continue;
        const own = (operation['parameters'] ?? []) as Json[];
        const parameters = [...shared.filter((p) => !own.some((o) => o['name'] === p['name'] && o['in'] === p['in'])), ...own];
        const operationId = operation['operationId'] as string;
        this.operations.set(operationId, { operationId, method, path, operation, parameters });
      }
    }
  }

  get definition(): Json {
    return this.connector.definition;
  }

  operationIds(): string[] {
    return [...this.operations.keys()];
  }

  operation(operationId: string): ConnectorOperation {
    const found = this.operations.get(operationId);
    if (!found) throw new ConnectorMismatch(`operation ${operationId} is not in the definition`);
    return found;
  }

  /** The statuses an operation declares (without `default`). */
  declaredStatuses(operationId: string): string[] {
    return Object.keys(this.operation(operationId).operation['responses'] as Json).filter((status) => status !== 'default');
  }

  /** The base URL of an operation: the dynamichosturl template when one applies, else scheme + host + basePath. */
  baseUrl(operationId: string): string {
    const properties = this.connector.apiProperties['properties'] as Json;
    const policies = (properties['policyTemplateInstances'] ?? []) as Json[];
    const hostPolicy = policies.find((policy) => {
      if (policy['templateId'] !== 'dynamichosturl') return false;
      const scope = (policy['parameters'] as Json)['x-ms-apimTemplate-operationName'];
      return !Array.isArray(scope) || scope.length === 0 || scope.includes(operationId);
    });
    const basePath = String(this.definition['basePath'] ?? '/').replace(/\/$/, '');
    if (!hostPolicy) {
      const scheme = ((this.definition['schemes'] as string[] | undefined) ?? ['https'])[0];
      return `${scheme}://${String(this.definition['host'])}${basePath}`;
    }
    const template = String((hostPolicy['parameters'] as Json)['x-ms-apimTemplateParameter.urlTemplate']);
    const url = template.replace(/@connectionParameters\('([^']+)'(?:,\s*'([^']*)')?\)/g, (_match, name: string, fallback: string | undefined) => {
      const value = this.connection[name] ?? fallback;
      if (value === undefined) throw new ConnectorMismatch(`the dynamichosturl template uses connection parameter ${name}, which the connection does not have`);
      return value;
    });
    if (url.includes('@')) throw new ConnectorMismatch(`the dynamichosturl template ${template} uses an expression this test does not evaluate`);
    // The template's result replaces the host URL; the definition's basePath ("/") adds nothing.
    return `${url.replace(/\/$/, '')}${basePath}`;
  }

  /** The headers the platform adds for the operation's security requirements. */
  private securityHeaders(operation: Json): Record<string, string> {
    const requirements = (operation['security'] ?? this.definition['security'] ?? []) as Json[];
    const definitions = (this.definition['securityDefinitions'] ?? {}) as Record<string, Json>;
    const connectionParameters = ((this.connector.apiProperties['properties'] as Json)['connectionParameters'] ?? {}) as Record<string, Json>;
    const headers: Record<string, string> = {};
    for (const requirement of requirements) {
      for (const name of Object.keys(requirement)) {
        const scheme = definitions[name];
        if (!scheme) throw new ConnectorMismatch(`security requirement ${name} has no securityDefinition`);
        if (scheme['type'] !== 'apiKey' || scheme['in'] !== 'header') throw new ConnectorMismatch(`securityDefinition ${name} is not an apiKey header; this test sends API keys only`);
        if (connectionParameters[name]?.['type'] !== 'securestring') throw new ConnectorMismatch(`the apiKey securityDefinition ${name} has no securestring connection parameter of that name`);
        const value = this.connection[name];
        if (value === undefined) throw new ConnectorMismatch(`the connection has no value for ${name}`);
        headers[String(scheme['name'])] = value;
      }
    }
    return headers;
  }

  /** Builds the request as the platform does, sends it, and checks the answer against the declared response. */
  async invoke(operationId: string, inputs: OperationInputs, options: InvokeOptions = {}): Promise<Invocation> {
    const { method, path, operation, parameters } = this.operation(operationId);
    for (const name of Object.keys(inputs)) {
      if (!parameters.some((parameter) => parameter['name'] === name)) throw new ConnectorMismatch(`${operationId} has no parameter ${name}`);
    }
    let resolvedPath = path;
    const query = new URLSearchParams();
    const headers: Record<string, string> = { Accept: 'application/json' };
    let body: string | undefined;
    for (const parameter of parameters) {
      const name = String(parameter['name']);
      let value = inputs[name];
      if (value === undefined && parameter['x-ms-visibility'] === 'internal' && parameter['default'] !== undefined) value = parameter['default'];
      if (value === undefined) {
        if (parameter['required'] === true) throw new ConnectorMismatch(`${operationId}: required parameter ${name} was not given; the platform would not run the action`);
        continue;
      }
      if (options.checkInputs !== false) this.checkInput(operationId, parameter, value);
      switch (parameter['in']) {
        case 'path':
          resolvedPath = resolvedPath.replace(`{${name}}`, encodeURIComponent(String(value)));
          break;
        case 'query':
          query.append(name, String(value));
          break;
        case 'header':
          headers[name] = String(value);
          break;
        case 'body':
          body = JSON.stringify(value);
          headers['Content-Type'] = ((operation['consumes'] ?? this.definition['consumes'] ?? ['application/json']) as string[])[0]!;
          break;
        default:
          throw new ConnectorMismatch(`${operationId}: parameter ${name} is in ${String(parameter['in'])}, which this test does not send`);
      }
    }
    if (/\{[^}]+\}/.test(resolvedPath)) throw new ConnectorMismatch(`${operationId}: path ${path} has a placeholder no parameter fills`);
    if (options.authenticated !== false) Object.assign(headers, this.securityHeaders(operation));
    const url = `${this.baseUrl(operationId)}${resolvedPath}${query.size > 0 ? `?${query.toString()}` : ''}`;
    const response = await fetch(url, { method: method.toUpperCase(), headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    const parsed: unknown = text === '' ? undefined : contentType.includes('json') ? (JSON.parse(text) as unknown) : text;
    const invocation: Invocation = { operationId, url, status: response.status, headers: response.headers, body: parsed };
    this.invocations.push(invocation);
    this.checkResponse(invocation, operation);
    return invocation;
  }

  /** A parameter value the definition allows: its type, format, enum and bounds; a body against its schema. */
  private checkInput(operationId: string, parameter: Json, value: unknown): void {
    const schema = parameter['in'] === 'body' ? (parameter['schema'] as Json) : Object.fromEntries(Object.entries(parameter).filter(([key]) => !['name', 'in', 'required', 'description'].includes(key) && !key.startsWith('x-ms-')));
    if (!this.ajv.validate(schema, value)) {
      throw new ConnectorMismatch(`${operationId}: input ${String(parameter['name'])} = ${JSON.stringify(value)} is not what the definition allows: ${this.ajv.errorsText(this.ajv.errors)}`);
    }
  }

  private checkResponse(invocation: Invocation, operation: Json): void {
    const responses = operation['responses'] as Record<string, Json>;
    const declared = responses[String(invocation.status)] ?? responses['default'];
    const where = `${invocation.operationId} answered ${invocation.status}`;
    if (!declared) throw new ConnectorMismatch(`${where}, a status its definition does not declare (${Object.keys(responses).join(', ')}): ${JSON.stringify(invocation.body)}`);
    for (const [header, spec] of Object.entries((declared['headers'] ?? {}) as Json)) {
      if (isObject(spec) && invocation.headers.get(header) === null) throw new ConnectorMismatch(`${where} without the declared header ${header}`);
    }
    const schema = declared['schema'] as Json | undefined;
    if (!schema) {
      // A 202 the platform follows (declared Location) is polled, never read: its body is nobody's output.
      if (invocation.body !== undefined && !followed(invocation.status, declared)) throw new ConnectorMismatch(`${where} with a body, but the declared response has no schema`);
      return;
    }
    if (!this.ajv.validate(schema, invocation.body)) {
      throw new ConnectorMismatch(`${where}; the body does not match the declared schema: ${this.ajv.errorsText(this.ajv.errors)}\n${JSON.stringify(invocation.body)}`);
    }
    const undeclared = undeclaredProperties(schema, invocation.body, 'body');
    if (undeclared.length > 0) throw new ConnectorMismatch(`${where} with properties the declared schema does not describe (flows cannot use them): ${undeclared.join(', ')}`);
  }

  /**
   * The asynchronous pattern: from a `202` with `Location`, polls the Location as the platform does
   * (GET, the connection's credentials, after `Retry-After` seconds) until the answer is not 202. Every
   * poll is recorded and checked as an answer of the action that was accepted; the last one is its
   * output. The Location must be under the connection's base URL (the connector reaches no other host).
   */
  async follow(accepted: Invocation, timeoutMs = 30_000): Promise<Invocation> {
    const { operation } = this.operation(accepted.operationId);
    const deadline = Date.now() + timeoutMs;
    let answer = accepted;
    while (answer.status === 202) {
      const declared = (operation['responses'] as Record<string, Json>)['202'];
      if (!declared || !followed(202, declared)) throw new ConnectorMismatch(`${accepted.operationId} answered 202, but declares no 202 with a Location to poll`);
      const location = answer.headers.get('location');
      if (location === null) throw new ConnectorMismatch(`${accepted.operationId} answered 202 without a Location`);
      const base = this.baseUrl(accepted.operationId);
      if (!location.startsWith(`${base}/`)) throw new ConnectorMismatch(`${accepted.operationId}: Location ${location} is not under the connection's base URL ${base}`);
      const retryAfter = answer.headers.get('retry-after');
      if (retryAfter !== null && !/^\d+$/.test(retryAfter)) throw new ConnectorMismatch(`${accepted.operationId}: Retry-After ${retryAfter} is not a number of seconds`);
      const wait = retryAfter === null ? 1000 : Number(retryAfter) * 1000;
      if (Date.now() + wait > deadline) throw new ConnectorMismatch(`${accepted.operationId}: still 202 after ${timeoutMs} ms of polling ${location}`);
      await new Promise((resolve) => setTimeout(resolve, wait));
      const response = await fetch(location, { headers: { Accept: 'application/json', ...this.securityHeaders(operation) } });
      const text = await response.text();
      const contentType = response.headers.get('content-type') ?? '';
      const parsed: unknown = text === '' ? undefined : contentType.includes('json') ? (JSON.parse(text) as unknown) : text;
      answer = { operationId: accepted.operationId, url: location, status: response.status, headers: response.headers, body: parsed };
      this.invocations.push(answer);
      this.checkResponse(answer, operation);
    }
    return answer;
  }

  /** The node a locator points at: a parameter, or a property schema inside a body parameter. */
  private located(operationId: string, locator: Locator): Json {
    const [name, ...properties] = locator;
    const parameter = this.operation(operationId).parameters.find((candidate) => candidate['name'] === name);
    if (!parameter) throw new ConnectorMismatch(`${operationId} has no parameter ${String(name)}`);
    let node: Json = properties.length > 0 ? (parameter['schema'] as Json) : parameter;
    for (const property of properties) {
      const next = (node['properties'] as Json | undefined)?.[property];
      if (!isObject(next)) throw new ConnectorMismatch(`${operationId}: ${locator.join('/')} does not exist`);
      node = next;
    }
    return node;
  }

  /**
   * The value of a legacy `{ parameter: name }` reference: an operation parameter of that name, or else
   * a property of the body of that name (the docs' "ambiguous" case; both at once is refused here).
   */
  private referencedValue(operationId: string, name: string, inputs: OperationInputs): unknown {
    const { parameters } = this.operation(operationId);
    const direct = parameters.find((parameter) => parameter['name'] === name && parameter['in'] !== 'body');
    const bodyParameter = parameters.find((parameter) => parameter['in'] === 'body');
    const bodyProperty = bodyParameter && isObject((bodyParameter['schema'] as Json | undefined)?.['properties']) && name in ((bodyParameter['schema'] as Json)['properties'] as Json);
    if (direct && bodyProperty) throw new ConnectorMismatch(`${operationId}: the reference to "${name}" is ambiguous (a parameter and a body property)`);
    if (direct) return inputs[name];
    if (bodyProperty) return atPath(inputs[String(bodyParameter['name'])], name);
    throw new ConnectorMismatch(`${operationId}: a dynamic extension refers to "${name}", which is neither a parameter nor a body property`);
  }

  /** The arguments of a dynamic call from a legacy (`x-ms-dynamic-values` / `-schema`) parameters map. */
  legacyArguments(operationId: string, parameters: Json, inputs: OperationInputs): OperationInputs {
    return Object.fromEntries(
      Object.entries(parameters).map(([name, spec]) => [name, isObject(spec) && typeof spec['parameter'] === 'string' ? this.referencedValue(operationId, spec['parameter'], inputs) : spec]),
    );
  }

  /** The arguments of a dynamic call from an `x-ms-dynamic-list` / `-properties` parameters map. */
  referenceArguments(operationId: string, parameters: Json, inputs: OperationInputs): OperationInputs {
    const result: OperationInputs = {};
    for (const [target, spec] of Object.entries(parameters)) {
      if (target.includes('/')) throw new ConnectorMismatch(`${operationId}: dynamic parameter ${target} points into a body; the called operations take none`);
      if (!isObject(spec)) throw new ConnectorMismatch(`${operationId}: dynamic parameter ${target} must be { value } or { parameterReference }`);
      if ('value' in spec) {
        result[target] = spec['value'];
      } else if (typeof spec['parameterReference'] === 'string') {
        const [name, ...rest] = spec['parameterReference'].split('/');
        if (!this.operation(operationId).parameters.some((parameter) => parameter['name'] === name)) throw new ConnectorMismatch(`${operationId}: parameterReference ${spec['parameterReference']} names no parameter`);
        result[target] = atPath(inputs[name!], rest.join('/'));
      } else {
        throw new ConnectorMismatch(`${operationId}: dynamic parameter ${target} must be { value } or { parameterReference }`);
      }
    }
    return result;
  }

  /**
   * The picker of a parameter or body property: calls the `x-ms-dynamic-values` operation (and the
   * `x-ms-dynamic-list` one when present, which must agree) with the inputs filled in so far.
   */
  async dynamicValues(operationId: string, locator: Locator, inputs: OperationInputs): Promise<DynamicValue[]> {
    const node = this.located(operationId, locator);
    const values = node['x-ms-dynamic-values'];
    if (!isObject(values)) throw new ConnectorMismatch(`${operationId}: ${locator.join('/')} has no x-ms-dynamic-values`);
    const legacy = await this.list(String(values['operationId']), this.legacyArguments(operationId, (values['parameters'] ?? {}) as Json, inputs), values['value-collection'], values['value-path'], values['value-title']);
    const list = node['x-ms-dynamic-list'];
    if (isObject(list)) {
      const current = await this.list(String(list['operationId']), this.referenceArguments(operationId, (list['parameters'] ?? {}) as Json, inputs), list['itemsPath'], list['itemValuePath'], list['itemTitlePath']);
      if (canonical(current) !== canonical(legacy)) throw new ConnectorMismatch(`${operationId}: ${locator.join('/')}: x-ms-dynamic-list lists ${JSON.stringify(current)}, x-ms-dynamic-values ${JSON.stringify(legacy)}`);
    }
    return legacy;
  }

  private async list(operationId: string, args: OperationInputs, collection: unknown, valuePath: unknown, titlePath: unknown): Promise<DynamicValue[]> {
    const answer = await this.invoke(operationId, args);
    if (answer.status !== 200) throw new ConnectorMismatch(`dynamic values: ${operationId} answered ${answer.status}`);
    const items = atPath(answer.body, typeof collection === 'string' ? collection : undefined);
    if (!Array.isArray(items)) throw new ConnectorMismatch(`dynamic values: ${operationId} has no array at ${String(collection)}`);
    return items.map((item) => {
      const value = atPath(item, typeof valuePath === 'string' ? valuePath : undefined);
      if (value === undefined) throw new ConnectorMismatch(`dynamic values: an item of ${operationId} has no ${String(valuePath)}`);
      return { value, title: atPath(item, typeof titlePath === 'string' ? titlePath : undefined) };
    });
  }

  /**
   * The fields the designer shows for a body property with `x-ms-dynamic-schema` (and
   * `x-ms-dynamic-properties` when present, which must call the same operation with the same
   * arguments and read the same schema).
   */
  async dynamicSchema(operationId: string, locator: Locator, inputs: OperationInputs): Promise<Json> {
    const node = this.located(operationId, locator);
    const extension = node['x-ms-dynamic-schema'];
    if (!isObject(extension)) throw new ConnectorMismatch(`${operationId}: ${locator.join('/')} has no x-ms-dynamic-schema`);
    const args = this.legacyArguments(operationId, (extension['parameters'] ?? {}) as Json, inputs);
    const properties = node['x-ms-dynamic-properties'];
    if (isObject(properties)) {
      const current = this.referenceArguments(operationId, (properties['parameters'] ?? {}) as Json, inputs);
      if (properties['operationId'] !== extension['operationId'] || canonical(current) !== canonical(args) || properties['itemValuePath'] !== extension['value-path']) {
        throw new ConnectorMismatch(`${operationId}: ${locator.join('/')}: x-ms-dynamic-properties (${JSON.stringify(current)}) and x-ms-dynamic-schema (${JSON.stringify(args)}) disagree`);
      }
    }
    const answer = await this.invoke(String(extension['operationId']), args);
    if (answer.status !== 200) throw new ConnectorMismatch(`dynamic schema: ${String(extension['operationId'])} answered ${answer.status}`);
    const valuePath = typeof extension['value-path'] === 'string' ? extension['value-path'] : undefined;
    const schema = atPath(answer.body, valuePath);
    if (!isObject(schema)) throw new ConnectorMismatch(`dynamic schema: ${String(extension['operationId'])} has no schema at ${String(valuePath)}`);
    return schema;
  }

  /** Validates a value against a schema (e.g. a dynamic one); returns ajv's message or undefined. */
  schemaErrors(schema: Json, value: unknown): string | undefined {
    return this.ajv.validate(schema, value) ? undefined : this.ajv.errorsText(this.ajv.errors);
  }
}

/** A response the platform follows instead of reading: 202 with a declared Location header. */
function followed(status: number, declared: Json): boolean {
  return status === 202 && Object.keys((declared['headers'] ?? {}) as Json).some((name) => name.toLowerCase() === 'location');
}

/**
 * Properties in a value that its schema does not declare, where the schema lists its properties and
 * allows no additional ones by schema. Free-form objects (no `properties`) are left alone.
 */
export function undeclaredProperties(schema: unknown, value: unknown, path: string, found: string[] = []): string[] {
  if (!isObject(schema)) return found;
  if (Array.isArray(value)) {
    value.forEach((item, index) => undeclaredProperties(schema['items'], item, `${path}[${index}]`, found));
    return found;
  }
  if (!isObject(value)) return found;
  const properties = isObject(schema['properties']) ? schema['properties'] : undefined;
  const additional = schema['additionalProperties'];
  for (const [name, child] of Object.entries(value)) {
    if (properties && name in properties) undeclaredProperties(properties[name], child, `${path}.${name}`, found);
    else if (isObject(additional)) undeclaredProperties(additional, child, `${path}.${name}`, found);
    else if (properties) found.push(`${path}.${name}`);
  }
  return found;
}
