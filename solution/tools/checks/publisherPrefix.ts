/**
 * Names the publisher owns: tables and columns a solution creates carry its customization prefix,
 * its choice values start with its option value prefix, its connectors carry the prefix too. A
 * solution may legitimately include another publisher's table, so these are warnings; `--strict`
 * (our own build) makes them errors.
 */
import type { Findings } from '../findings';
import { childAt, childElements, descendants, textOf } from '../xmlDocument';
import type { SolutionDocuments } from './solutionDocuments';

export function checkPublisherPrefix(documents: SolutionDocuments, findings: Findings): void {
  const customizations = documents.customizations;
  const prefix = documents.customizationPrefix?.toLowerCase();
  if (!customizations || !prefix) return;
  const optionValuePrefix = Number(documents.optionValuePrefix);
  const entities = childAt(customizations, 'Entities');
  for (const entity of entities ? childElements(entities, 'Entity') : []) {
    const tableName = textOf(childAt(entity, 'Name')) ?? '';
    const definition = childAt(entity, 'EntityInfo', 'entity');
    if (!definition) continue;
    const tablePrefix = tableName.includes('_') ? tableName.slice(0, tableName.indexOf('_')).toLowerCase() : undefined;
    if (tablePrefix !== undefined && tablePrefix !== prefix) {
      findings.warning(
        'table-prefix',
        `table '${tableName}' does not start with the publisher prefix '${prefix}_': a table this solution creates must carry its publisher's prefix (fine only if another publisher's solution owns '${tableName}')`,
      );
    }
    const attributes = childAt(definition, 'attributes');
    for (const attribute of attributes ? childElements(attributes, 'attribute') : []) {
      if (textOf(childAt(attribute, 'IsCustomField')) !== '1') continue;
      const columnName = textOf(childAt(attribute, 'LogicalName')) ?? textOf(childAt(attribute, 'Name')) ?? '';
      if (!columnName.toLowerCase().startsWith(`${prefix}_`)) {
        findings.warning('column-prefix', `column '${tableName}.${columnName}' does not start with the publisher prefix '${prefix}_': rename it '${prefix}_…'`);
      }
      const optionSet = childAt(attribute, 'optionset');
      if (!optionSet || textOf(childAt(optionSet, 'OptionSetType')) !== 'picklist' || !Number.isInteger(optionValuePrefix)) continue;
      for (const option of descendants(optionSet, 'option')) {
        const value = Number(option.getAttribute('value'));
        if (Math.floor(value / 10000) !== optionValuePrefix) {
          findings.warning(
            'option-value-prefix',
            `choice value ${option.getAttribute('value') ?? ''} of '${tableName}.${columnName}' does not start with the option value prefix ${optionValuePrefix}: use ${optionValuePrefix}0000–${optionValuePrefix}9999`,
          );
        }
      }
    }
  }
  const connectors = childAt(customizations, 'Connectors');
  for (const connector of connectors ? childElements(connectors, 'Connector') : []) {
    const name = textOf(childAt(connector, 'name')) ?? '';
    if (!name.toLowerCase().startsWith(`${prefix}_`)) {
      findings.warning('connector-prefix', `connector '${name}' does not start with the publisher prefix '${prefix}_': name it '${prefix}_…'`);
    }
  }
}
