/**
 * Column definitions the customization schema lets through but Dataverse refuses: the schema types
 * RequiredLevel and the text lengths as plain strings and integers. Limits from the Dataverse
 * column documentation (https://learn.microsoft.com/power-apps/maker/data-platform/types-of-fields):
 * text up to 4,000 characters, multiline text up to 1,048,576.
 */
import type { Findings } from '../findings';
import { childAt, childElements, descendants, textOf } from '../xmlDocument';
import type { SolutionDocuments } from './solutionDocuments';

const REQUIRED_LEVELS = new Set(['none', 'recommended', 'required', 'systemrequired', 'applicationrequired']);
const MAX_TEXT_LENGTH: Readonly<Record<string, number>> = { nvarchar: 4000, ntext: 1048576 };

export function checkColumnDefinitions(documents: SolutionDocuments, findings: Findings): void {
  const entities = documents.customizations ? childAt(documents.customizations, 'Entities') : undefined;
  for (const entity of entities ? childElements(entities, 'Entity') : []) {
    const tableName = textOf(childAt(entity, 'Name')) ?? '';
    const attributes = childAt(entity, 'EntityInfo', 'entity', 'attributes');
    for (const attribute of attributes ? childElements(attributes, 'attribute') : []) {
      const column = `${tableName}.${textOf(childAt(attribute, 'LogicalName')) ?? attribute.getAttribute('PhysicalName') ?? ''}`;
      const requiredLevel = textOf(childAt(attribute, 'RequiredLevel'));
      if (requiredLevel !== undefined && !REQUIRED_LEVELS.has(requiredLevel)) {
        findings.error('column-definition', `column '${column}' has <RequiredLevel>${requiredLevel}</RequiredLevel>: use none, recommended, required or systemrequired`);
      }
      const type = textOf(childAt(attribute, 'Type')) ?? '';
      const maxLength = textOf(childAt(attribute, 'MaxLength'));
      const limit = MAX_TEXT_LENGTH[type];
      if (limit !== undefined && maxLength !== undefined && (!/^\d+$/.test(maxLength) || Number(maxLength) < 1 || Number(maxLength) > limit)) {
        findings.error('column-definition', `column '${column}' (${type}) has <MaxLength>${maxLength}</MaxLength>: use 1 to ${limit}`);
      }
      const optionSet = childAt(attribute, 'optionset');
      const values = optionSet ? descendants(optionSet, 'option').map((option) => option.getAttribute('value') ?? '') : [];
      for (const value of new Set(values.filter((candidate, index) => values.indexOf(candidate) !== index))) {
        findings.error('column-definition', `column '${column}' lists choice value ${value} more than once: give every choice its own value`);
      }
    }
  }
}
