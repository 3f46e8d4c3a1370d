/**
 * JSON Schema of a table's writable columns, for the connector's dynamic schema: a flow shows the
 * table's columns as fields, titled with their display names, choices as drop-downs of their labels
 * (`enum` + `x-ms-enum-values`), and the columns the table requires marked required. Lookups appear as
 * `<nav>@odata.bind` text fields.
 */
import type { AttributeMetadata, ChoiceColumns, EntityMetadata } from '../dataverse';
import type { TableJsonSchema } from './EnsureService';
import { STUB_MARKER_COLUMN } from './StubMarker';

const TYPES: Record<string, { type: string; format?: string }> = {
  String: { type: 'string' },
  Memo: { type: 'string' },
  Integer: { type: 'integer', format: 'int32' },
  BigInt: { type: 'integer', format: 'int64' },
  Decimal: { type: 'number' },
  Double: { type: 'number' },
  Money: { type: 'number' },
  Boolean: { type: 'boolean' },
  DateTime: { type: 'string', format: 'date-time' },
  Picklist: { type: 'integer', format: 'int32' },
  State: { type: 'integer', format: 'int32' },
  Status: { type: 'integer', format: 'int32' },
  Uniqueidentifier: { type: 'string', format: 'uuid' },
};

const REQUIRED_LEVELS = new Set(['ApplicationRequired', 'SystemRequired']);

/**
 * Whether a maker must fill the column: Dataverse requires it (RequiredLevel) and a create can set it.
 * Not the primary id (Dataverse makes one) nor state and status (Dataverse sets their defaults).
 */
function isRequired(meta: EntityMetadata, attribute: AttributeMetadata): boolean {
  if (!attribute.validForCreate || !REQUIRED_LEVELS.has(attribute.requiredLevel ?? '')) return false;
  return attribute.logicalName !== meta.primaryIdAttribute && attribute.attributeType !== 'State' && attribute.attributeType !== 'Status';
}

export function tableJsonSchema(meta: EntityMetadata, choices: ChoiceColumns = new Map()): TableJsonSchema {
  const properties: TableJsonSchema['properties'] = {};
  const required: string[] = [];
  for (const attribute of meta.attributes) {
    if (!attribute.validForCreate && !attribute.validForUpdate) continue;
    // The stub marker is the service's to write (a caller's `true` is refused): never offered as a field.
    if (attribute.logicalName === STUB_MARKER_COLUMN) continue;
    if (attribute.attributeType === 'Lookup' || attribute.attributeType === 'Customer' || attribute.attributeType === 'Owner') continue;
    const type = TYPES[attribute.attributeType];
    if (!type) continue;
    const title = attribute.displayName ?? attribute.logicalName;
    const options = type.type === 'integer' ? choices.get(attribute.logicalName) : undefined;
    properties[attribute.logicalName] = {
      ...type,
      title,
      'x-ms-summary': title,
      description: `${title} (${attribute.logicalName}).`,
      ...(options ? { enum: options.map((o) => o.value), 'x-ms-enum-values': options.map((o) => ({ value: o.value, displayName: o.label })) } : {}),
    };
    if (isRequired(meta, attribute)) required.push(attribute.logicalName);
  }
  for (const lookup of meta.manyToOne) {
    const name = `${lookup.navigationProperty}@odata.bind`;
    const title = `${lookup.navigationProperty} (${lookup.referencedEntity})`;
    properties[name] = { type: 'string', title, 'x-ms-summary': title, description: `Record path of the ${lookup.referencedEntity} it refers to, such as /<entity set>(<id>); a missing record gets a stub.` };
  }
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}
