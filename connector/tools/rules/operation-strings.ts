import { reportDefinition, type RuleFamily } from '../validation/rule-context';
import { operationsOf } from '../validation/swagger-model';

/** S3: "It shouldn't exceed 80 characters." (S1's own validator threshold is 120.) */
export const MAX_SUMMARY_LENGTH = 80;

/**
 * R17/R41 operationId required and unique, R18 alphanumeric; R19–R21, R23 summary;
 * R24–R26 description.
 */
export const operationStringRules: RuleFamily = {
  name: 'operation ids, summaries and descriptions',
  check(context) {
    const definition = context.definition;
    if (!definition) return;
    const firstUse = new Map<string, string>();
    for (const entry of operationsOf(definition)) {
      const { operation, path } = entry;
      const operationId = operation['operationId'];
      if (typeof operationId !== 'string' || operationId === '') {
        reportDefinition(context, 'R17', [...path, 'operationId'], `operation ${entry.label} needs an operationId.`);
      } else {
        const where = `${entry.method.toUpperCase()} ${entry.pathKey}`;
        const earlier = firstUse.get(operationId);
        if (earlier !== undefined) reportDefinition(context, 'R41', [...path, 'operationId'], `operationId "${operationId}" is already used by ${earlier}.`);
        else firstUse.set(operationId, where);
        if (!/^[A-Za-z0-9]+$/.test(operationId)) {
          reportDefinition(context, 'R18', [...path, 'operationId'], `operationId "${operationId}" differs from its sanitized value "${operationId.replace(/[^A-Za-z0-9]/g, '')}"; use letters and digits only.`);
        }
      }

      const summary = operation['summary'];
      const summaryPath = [...path, 'summary'];
      if (typeof summary !== 'string' || summary.trim() === '') {
        // Makers never see an internal operation; certified connectors leave some without a summary.
        if (operation['x-ms-visibility'] === 'internal') {
          reportDefinition(context, 'R19', summaryPath, `internal operation ${entry.label} should have a summary.`, 'InternalOperationSummaryMissing');
        } else {
          reportDefinition(context, 'R19', summaryPath, `operation ${entry.label} needs a summary (the name people see).`);
        }
      } else {
        if (summary.length > MAX_SUMMARY_LENGTH) reportDefinition(context, 'R20', summaryPath, `summary is ${summary.length} characters; at most ${MAX_SUMMARY_LENGTH} are allowed.`);
        if (summary.includes('/')) reportDefinition(context, 'R21', summaryPath, `summary "${summary}" must not contain "/".`);
        if (!/[A-Za-z0-9)]$/.test(summary)) reportDefinition(context, 'R21', summaryPath, `summary "${summary}" must end with an alphanumeric character or ")".`, 'ValueMustEndWithAlphanumeric');
        if (!/^[A-Za-z0-9 ()]+$/.test(summary)) reportDefinition(context, 'R23', summaryPath, `summary "${summary}" should contain only letters, digits, spaces and parentheses.`);
      }

      const description = operation['description'];
      const descriptionPath = [...path, 'description'];
      if (typeof description !== 'string' || description.trim() === '') {
        reportDefinition(context, 'R24', descriptionPath, `operation ${entry.label} should have a description.`);
      } else {
        if (!/[.!?]$/.test(description.trim())) reportDefinition(context, 'R25', descriptionPath, 'description should be a full sentence ending in punctuation.');
        if (typeof summary === 'string' && summary.trim().toLowerCase() === description.trim().toLowerCase()) {
          reportDefinition(context, 'R26', descriptionPath, 'description repeats the summary; say more than the name does.');
        }
      }
    }
  },
};
