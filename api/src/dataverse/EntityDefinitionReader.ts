import type { AttributeMetadata, ChoiceOption, EntityKeyMetadata, EntityMetadata, LookupMetadata } from './DataverseClient';
import { DataverseRequestError } from './DataverseErrors';

/**
 * Query options for `EntityDefinitions(LogicalName='<table>')` (Dataverse metadata Web API):
 * the names the client needs, the alternate keys with their columns, the ManyToOne relationships —
 * each lookup column with its single-valued navigation property and target table — and the columns
 * with their types and whether they can be written (for the API's table schema).
 */
export const ENTITY_DEFINITION_QUERY =
  '$select=LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute,DisplayName' +
  '&$expand=Keys($select=LogicalName,KeyAttributes),' +
  'ManyToOneRelationships($select=SchemaName,ReferencingAttribute,ReferencedEntity,ReferencedAttribute,ReferencingEntityNavigationPropertyName),' +
  'Attributes($select=LogicalName,AttributeType,IsValidForCreate,IsValidForUpdate,DisplayName,RequiredLevel)';

/**
 * The attribute types whose options are read, each through its type cast with the option set expanded
 * (`EntityDefinitions(LogicalName='account')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata
 * ?$select=LogicalName&$expand=OptionSet($select=Options),GlobalOptionSet($select=Options)`, as
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/retrieve-metadata-name-metadataid shows).
 */
export const CHOICE_ATTRIBUTE_CASTS = ['PicklistAttributeMetadata', 'StateAttributeMetadata', 'StatusAttributeMetadata'] as const;
export const CHOICE_OPTIONS_QUERY = '$select=LogicalName&$expand=OptionSet($select=Options),GlobalOptionSet($select=Options)';

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
    const requiredLevel = text((a.RequiredLevel as { Value?: unknown } | undefined)?.Value);
    return [{ logicalName: name, attributeType: type, validForCreate: a.IsValidForCreate === true, validForUpdate: a.IsValidForUpdate === true, displayName: labelText(a.DisplayName), requiredLevel }];
  });
  const displayName = labelText(json.DisplayName);
  return { logicalName, entitySetName, primaryIdAttribute, primaryNameAttribute: text(json.PrimaryNameAttribute), ...(displayName ? { displayName } : {}), keys, manyToOne, attributes };
}

/** The caller's-language text of a Dataverse `Label` (`UserLocalizedLabel.Label`), if any. */
function labelText(label: unknown): string | undefined {
  return text((label as { UserLocalizedLabel?: { Label?: unknown } | null } | undefined)?.UserLocalizedLabel?.Label);
}

/** Adds the options of one cast's answer (`value` of attributes with `OptionSet` / `GlobalOptionSet`) to `into`. */
export function readChoiceOptions(json: Record<string, unknown>, into: Map<string, ChoiceOption[]>): void {
  for (const attribute of Array.isArray(json.value) ? json.value : []) {
    const a = attribute as Record<string, unknown>;
    const name = text(a?.LogicalName);
    if (!name) continue;
    const set = (a.OptionSet ?? a.GlobalOptionSet) as { Options?: unknown } | null | undefined;
    const options = (Array.isArray(set?.Options) ? set.Options : []).flatMap((option: unknown) => {
      const o = option as Record<string, unknown>;
      return typeof o?.Value === 'number' && Number.isInteger(o.Value) ? [{ value: o.Value, label: labelText(o.Label) ?? String(o.Value) }] : [];
    });
    if (options.length > 0) into.set(name, options);
  }
}
