import type { AttributeMetadata, EntityKeyMetadata, EntityMetadata, LookupMetadata } from './DataverseClient';
import { DataverseRequestError } from './DataverseErrors';

/**
 * Query options for `EntityDefinitions(LogicalName='<table>')` (Dataverse metadata Web API):
 * the names the client needs, the alternate keys with their columns, the ManyToOne relationships —
 * each lookup column with its single-valued navigation property and target table — and the columns
 * with their types and whether they can be written (for the API's table schema).
 */
export const ENTITY_DEFINITION_QUERY =
  '$select=LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute' +
  '&$expand=Keys($select=LogicalName,KeyAttributes),' +
  'ManyToOneRelationships($select=SchemaName,ReferencingAttribute,ReferencedEntity,ReferencedAttribute,ReferencingEntityNavigationPropertyName),' +
  'Attributes($select=LogicalName,AttributeType,IsValidForCreate,IsValidForUpdate,DisplayName)';

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function invalid(message: string): DataverseRequestError {
  return new DataverseRequestError({ message: `EntityDefinitions answer: ${message}`, request: { method: 'GET', path: 'EntityDefinitions' } });
}

/** Reads one EntityMetadata JSON object; throws DataverseRequestError when required names are missing. */
export function readEntityDefinition(json: Record<string, unknown>): EntityMetadata {
  const logicalName = text(json.LogicalName);
  const entitySetName = text(json.EntitySetName);
  const primaryIdAttribute = text(json.PrimaryIdAttribute);
  if (!logicalName || !entitySetName || !primaryIdAttribute) throw invalid('LogicalName, EntitySetName and PrimaryIdAttribute are required');
  const keys: EntityKeyMetadata[] = (Array.isArray(json.Keys) ? json.Keys : []).flatMap((key: unknown) => {
    const k = key as Record<string, unknown>;
    const name = text(k?.LogicalName);
    const attributes = Array.isArray(k?.KeyAttributes) ? k.KeyAttributes.filter((a): a is string => typeof a === 'string') : [];
    return name && attributes.length > 0 ? [{ logicalName: name, keyAttributes: attributes }] : [];
  });
  const manyToOne: LookupMetadata[] = (Array.isArray(json.ManyToOneRelationships) ? json.ManyToOneRelationships : []).flatMap((relationship: unknown) => {
    const r = relationship as Record<string, unknown>;
    const referencingAttribute = text(r?.ReferencingAttribute);
    const navigationProperty = text(r?.ReferencingEntityNavigationPropertyName);
    const referencedEntity = text(r?.ReferencedEntity);
    if (!referencingAttribute || !navigationProperty || !referencedEntity) return [];
    return [{ schemaName: text(r.SchemaName), referencingAttribute, navigationProperty, referencedEntity, referencedAttribute: text(r.ReferencedAttribute) }];
  });
  const attributes: AttributeMetadata[] = (Array.isArray(json.Attributes) ? json.Attributes : []).flatMap((attribute: unknown) => {
    const a = attribute as Record<string, unknown>;
    const name = text(a?.LogicalName);
    const type = text(a?.AttributeType);
    if (!name || !type) return [];
    const label = (a.DisplayName as { UserLocalizedLabel?: { Label?: unknown } } | undefined)?.UserLocalizedLabel?.Label;
    return [{ logicalName: name, attributeType: type, validForCreate: a.IsValidForCreate === true, validForUpdate: a.IsValidForUpdate === true, displayName: text(label) }];
  });
  return { logicalName, entitySetName, primaryIdAttribute, primaryNameAttribute: text(json.PrimaryNameAttribute), keys, manyToOne, attributes };
}
