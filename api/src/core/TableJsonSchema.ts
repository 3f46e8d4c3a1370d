/**
 * JSON Schema of a table's writable columns, for the connector's dynamic schema: a flow shows the
 * table's columns as fields. Lookups appear as `<nav>@odata.bind` text fields.
 */
import type { EntityMetadata } from '../dataverse';
import type { TableJsonSchema } from './EnsureService';

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

export function tableJsonSchema(meta: EntityMetadata): TableJsonSchema {
  const properties: TableJsonSchema['properties'] = {};
  for (const attribute of meta.attributes) {
    if (!attribute.validForCreate && !attribute.validForUpdate) continue;
    if (attribute.attributeType === 'Lookup' || attribute.attributeType === 'Customer' || attribute.attributeType === 'Owner') continue;
    const type = TYPES[attribute.attributeType];
    if (!type) continue;
    const title = attribute.displayName ?? attribute.logicalName;
    properties[attribute.logicalName] = { ...type, title, 'x-ms-summary': title, description: `${title} (${attribute.logicalName}).` };
  }
  for (const lookup of meta.manyToOne) {
    const name = `${lookup.navigationProperty}@odata.bind`;
    const title = `${lookup.navigationProperty} (${lookup.referencedEntity})`;
    properties[name] = { type: 'string', title, 'x-ms-summary': title, description: `Record path of the ${lookup.referencedEntity} it refers to, such as /<entity set>(<id>); a missing record gets a stub.` };
  }
  return { type: 'object', properties };
}
