import { join } from 'node:path';
import { formatFinding, summarize } from '../../connector/tools/report';
import { validateConnectorFolder } from '../../connector/tools/validation/validate-connector-files';
import { CERTIFIED_EXAMPLES, COMPLIANT_FOLDER, FIXTURES } from './connector-fixtures';

/** Warning-level rules the checklist's prototype scan found in each certified example (their NOTE files). */
const PROTOTYPE_FINDINGS: Record<(typeof CERTIFIED_EXAMPLES)[number], string[]> = {
  'captisa-forms': ['R25', 'R26', 'R36'],
  'rapid-platform': ['R07', 'R25', 'R26', 'R36', 'R42'],
  'tendocs-documents': ['R23', 'R25'],
};

describe('validator on certified connectors', () => {
  it.each(CERTIFIED_EXAMPLES)('%s has 0 errors and the warnings the checklist scan found', async (example) => {
    const findings = await validateConnectorFolder(join(FIXTURES, 'certified', example));
    const errors = findings.filter((finding) => finding.severity === 'error');
    expect(errors.map(formatFinding)).toEqual([]);
    const warned = new Set(findings.map((finding) => finding.ruleId));
    for (const ruleId of PROTOTYPE_FINDINGS[example]) expect(warned).toContain(ruleId);
  });
});

describe('validator on our compliant fixture', () => {
  it('reports 0 errors and 0 warnings', async () => {
    const findings = await validateConnectorFolder(COMPLIANT_FOLDER);
    expect(findings.map(formatFinding)).toEqual([]);
    expect(summarize(findings)).toEqual({ errors: 0, warnings: 0 });
  });
});
