/**
 * `EntityDefinitions` for the configured tables: what clients (ours included) read to learn entity set
 * names, primary id/name attributes, alternate keys, attributes and lookup navigation properties.
 * Shapes follow the Dataverse metadata Web API; Keys, Attributes and ManyToOneRelationships come with
 * `$expand` or as `EntityDefinitions(...)/<collection>`; `…/Attributes/Microsoft.Dynamics.CRM.<Type>AttributeMetadata`
 * narrows the attributes to one type, as the Web API's type cast does. Choice and Yes/No attributes carry
 * their `OptionSet` inline (Dataverse answers it with `$expand=OptionSet` on the cast; accepted here too).
 */
import { createHash } from 'node:crypto';
import { DataverseErrors } from '../errors/DataverseErrorFactory';
import { evaluateFilter, parseFilter } from '../odata/FilterExpression';
import { tokenize } from '../odata/ODataLexer';
import type { ResourcePath } from '../odata/ResourcePath';
import type { ColumnDefinition, Schema, Table } from '../schema/TableSchema';
import { jsonResponse, type WebApiRequest, type WebApiResponse } from './WebApiMessage';

const COLLECTIONS = ['Keys', 'Attributes', 'ManyToOneRelationships'] as const;
type Collection = (typeof COLLECTIONS)[number];

type EntityDefinitionsPath = Extract<ResourcePath, { kind: 'entityDefinitions' }>;

export function executeMetadata(request: WebApiRequest, schema: Schema, { key, navigation, cast }: EntityDefinitionsPath): WebApiResponse {
  if (request.method !== 'GET') throw DataverseErrors.methodNotAllowed(request.method, request.path);
  const context = `${request.baseUrl}$metadata#EntityDefinitions`;
  if (key === undefined) {
    const filterText = request.query.get('$filter');
    let tables = [...schema.tablesByLogicalName.values()];
    if (filterText) {
      const scalarNames = new Set(Object.keys(scalarDefinition(tables[0]!)));
      const filter = parseFilter(filterText, (n) => scalarNames.has(n), 'EntityMetadata');
      tables = tables.filter((t) => evaluateFilter(filter, scalarDefinition(t) as Record<string, string>));
    }
    return jsonResponse(200, { '@odata.context': context, value: tables.map((t) => definition(t, schema, request)) });
  }
  const table = findTable(schema, key);
  if (navigation !== undefined) {
    if (!(COLLECTIONS as readonly string[]).includes(navigation)) throw DataverseErrors.resourceNotFound(navigation);
    const items = collection(table, schema, navigation as Collection);
    if (cast === undefined) return jsonResponse(200, { '@odata.context': `${context}('${table.logicalName}')/${navigation}`, value: items });
    if (!CAST_TYPES.has(cast)) throw DataverseErrors.resourceNotFound(cast);
    const ofType = items.filter((item) => (item as Record<string, unknown>)['@odata.type'] === `#${cast}`);
    return jsonResponse(200, { '@odata.context': `${context}('${table.logicalName}')/${navigation}/${cast}`, value: ofType });
  }
  return jsonResponse(200, { '@odata.context': `${context}/$entity`, ...definition(table, schema, request) });
}

function findTable(schema: Schema, keyText: string): Table {
  const tokens = tokenize(keyText);
  const first = tokens[0]!;
  if (first.kind === 'guid' && tokens.length === 2) {
    const table = [...schema.tablesByLogicalName.values()].find((t) => metadataId(t.logicalName) === first.value);
    if (table) return table;
  } else if (first.kind === 'name' && first.value === 'LogicalName' && tokens[2]?.kind === 'string' && tokens.length === 4) {
    const table = schema.table(tokens[2].value);
    if (table) return table;
  }
  throw DataverseErrors.resourceNotFound(`EntityDefinitions(${keyText})`);
}

function scalarDefinition(table: Table) {
  return {
    MetadataId: metadataId(table.logicalName),
    LogicalName: table.logicalName,
    SchemaName: schemaName(table.logicalName),
    EntitySetName: table.entitySetName,
    LogicalCollectionName: table.entitySetName,
    PrimaryIdAttribute: table.primaryIdAttribute,
    PrimaryNameAttribute: table.primaryNameAttribute,
  };
}

function definition(table: Table, schema: Schema, request: WebApiRequest): Record<string, unknown> {
  const all: Record<string, unknown> = {
    ...scalarDefinition(table),
    DisplayName: label(table.displayName),
    IsCustomEntity: table.logicalName.includes('_'),
  };
  const selectText = request.query.get('$select');
  const result: Record<string, unknown> = {};
  if (selectText) {
    for (const name of selectText.split(',').map((s) => s.trim())) {
      if (!(name in all)) throw DataverseErrors.unknownQueryProperty(name, 'EntityMetadata');
      result[name] = all[name];
    }
    result.MetadataId = all.MetadataId;
  } else {
    Object.assign(result, all);
  }
  for (const expanded of expandedCollections(request.query.get('$expand'))) result[expanded] = collection(table, schema, expanded);
  return result;
}

/** `$expand=Keys($select=KeyAttributes),Attributes` → the collection names (nested options ignored). */
function expandedCollections(text: string | null): Collection[] {
  if (!text) return [];
  const names: Collection[] = [];
  let depth = 0;
  let current = '';
  for (const ch of `${text},`) {
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      const name = current.trim();
      if (!(COLLECTIONS as readonly string[]).includes(name)) throw DataverseErrors.unknownQueryProperty(name, 'EntityMetadata');
      names.push(name as Collection);
      current = '';
    } else if (depth === 0) current += ch;
  }
  return names;
}

function collection(table: Table, schema: Schema, name: Collection): unknown[] {
  if (name === 'Keys') {
    return table.keys.map((k) => ({
      MetadataId: metadataId(`${table.logicalName}.key.${k.logicalName}`),
      LogicalName: k.logicalName,
      SchemaName: schemaName(k.logicalName),
      EntityLogicalName: table.logicalName,
      KeyAttributes: k.attributes,
      EntityKeyIndexStatus: 'Active',
    }));
  }
  if (name === 'ManyToOneRelationships') {
    return [...table.navigationProperties.values()].map((nav) => {
      const target = schema.table(nav.target)!;
      return {
        MetadataId: metadataId(`${table.logicalName}.rel.${nav.name}`),
        SchemaName: `${table.logicalName}_${nav.name}`,
        ReferencingEntity: table.logicalName,
        ReferencingAttribute: nav.column,
        ReferencedEntity: target.logicalName,
        ReferencedAttribute: target.primaryIdAttribute,
        ReferencingEntityNavigationPropertyName: nav.name,
        ReferencedEntityNavigationPropertyName: `${table.logicalName}_${nav.name}`,
        RelationshipType: 'OneToManyRelationship',
      };
    });
  }
  const attributes: unknown[] = [attribute(table, table.primaryIdAttribute, undefined)];
  for (const [columnName, column] of table.columns) attributes.push(attribute(table, columnName, column));
  for (const system of ['createdon', 'modifiedon']) attributes.push(systemAttribute(table, system, 'DateTime'));
  for (const system of ['createdby', 'modifiedby']) attributes.push({ ...systemAttribute(table, system, 'Lookup'), Targets: ['systemuser'] });
  attributes.push(systemAttribute(table, 'versionnumber', 'BigInt'));
  return attributes;
}

/** The `@odata.type` of every attribute this server describes: the casts it accepts. */
const CAST_TYPES = new Set(
  ['UniqueIdentifier', 'String', 'Memo', 'Integer', 'Decimal', 'Money', 'Boolean', 'DateTime', 'Picklist', 'State', 'Status', 'Lookup', 'BigInt'].map((type) => `Microsoft.Dynamics.CRM.${type}AttributeMetadata`),
);

const ATTRIBUTE_TYPES: Record<ColumnDefinition['type'], string> = {
  string: 'String',
  memo: 'Memo',
  integer: 'Integer',
  decimal: 'Decimal',
  money: 'Money',
  boolean: 'Boolean',
  datetime: 'DateTime',
  choice: 'Picklist',
  lookup: 'Lookup',
  computed: 'String',
};

/** Every Dataverse table's `statecode` and `statuscode` are State and Status attributes, not plain choices. */
const CHOICE_TYPES_BY_NAME: Record<string, string> = { statecode: 'State', statuscode: 'Status' };

function attribute(table: Table, name: string, column: ColumnDefinition | undefined): Record<string, unknown> {
  const type = column ? (column.type === 'choice' ? (CHOICE_TYPES_BY_NAME[name] ?? 'Picklist') : ATTRIBUTE_TYPES[column.type]) : 'Uniqueidentifier';
  const writable = column !== undefined && column.type !== 'computed';
  const result: Record<string, unknown> = {
    '@odata.type': `#Microsoft.Dynamics.CRM.${type === 'Uniqueidentifier' ? 'UniqueIdentifier' : type}AttributeMetadata`,
    MetadataId: metadataId(`${table.logicalName}.${name}`),
    LogicalName: name,
    SchemaName: schemaName(name),
    EntityLogicalName: table.logicalName,
    AttributeType: type,
    IsPrimaryId: name === table.primaryIdAttribute,
    IsPrimaryName: name === table.primaryNameAttribute,
    IsValidForCreate: writable || name === table.primaryIdAttribute,
    IsValidForUpdate: writable,
    IsValidForRead: true,
    DisplayName: label(column?.displayName ?? (column ? name : table.displayName)),
    RequiredLevel: requiredLevel(column ? (column.requiredLevel ?? 'None') : 'SystemRequired'),
  };
  if (column && (column.type === 'string' || column.type === 'memo' || column.type === 'computed')) result.MaxLength = column.maxLength;
  if (column?.type === 'integer') {
    result.MinValue = column.min ?? -2147483648;
    result.MaxValue = column.max ?? 2147483647;
  }
  if (column?.type === 'lookup') result.Targets = column.targets;
  if (column?.type === 'choice') {
    result.OptionSet = { Options: Object.entries(column.options).map(([text, value]) => ({ Value: value, Label: label(text) })) };
    if (column.default !== undefined) result.DefaultFormValue = column.default;
  }
  if (column?.type === 'boolean') {
    // BooleanAttributeMetadata: DefaultValue, and the two options (1 true, 0 false) with their labels.
    result.DefaultValue = column.default ?? null;
    result.OptionSet = {
      OptionSetType: 'Boolean',
      TrueOption: { Value: 1, Label: label(column.trueLabel) },
      FalseOption: { Value: 0, Label: label(column.falseLabel) },
    };
  }
  return result;
}

function systemAttribute(table: Table, name: string, type: string): Record<string, unknown> {
  return {
    '@odata.type': `#Microsoft.Dynamics.CRM.${type}AttributeMetadata`,
    MetadataId: metadataId(`${table.logicalName}.${name}`),
    LogicalName: name,
    SchemaName: schemaName(name),
    EntityLogicalName: table.logicalName,
    AttributeType: type,
    IsPrimaryId: false,
    IsPrimaryName: false,
    IsValidForCreate: false,
    IsValidForUpdate: false,
    IsValidForRead: true,
    DisplayName: label(name),
    RequiredLevel: requiredLevel('None'),
  };
}

/** AttributeRequiredLevelManagedProperty, as Dataverse answers it. */
function requiredLevel(value: string) {
  return { Value: value, CanBeChanged: true, ManagedPropertyLogicalName: 'canmodifyrequirementlevelsettings' };
}

function label(text: string) {
  const localized = { Label: text, LanguageCode: 1033 };
  return { LocalizedLabels: [localized], UserLocalizedLabel: localized };
}

function schemaName(logicalName: string): string {
  return logicalName.replace(/(^|_)([a-z])/g, (_m, sep: string, c: string) => `${sep}${c.toUpperCase()}`);
}

/** Stable per name, so clients can cache it across restarts. */
export function metadataId(name: string): string {
  const h = createHash('sha1').update(`local-dataverse:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
