import { join } from 'node:path';
import { calibrate, formatCalibration, runCalibrate } from '../../connector/tools/calibrate-validator';
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

describe('npm run connector:calibrate', () => {
  it('validates every connector folder under a folder and prints the table and the pass ratio', async () => {
    const rows = await calibrate(join(FIXTURES, 'certified'));
    expect(rows.map((row) => row.folder)).toEqual([...CERTIFIED_EXAMPLES]);
    expect(rows.every((row) => row.errors === 0 && row.warnings > 0 && row.firstError === undefined)).toBe(true);
    const table = formatCalibration(rows);
    expect(table.split('\n')[0]).toMatch(/^folder\s+errors\s+warnings\s+first error$/);
    expect(table).toContain('3 of 3 pass with 0 errors (100.0 %)');
  });

  it('names the first error of a folder that has one', () => {
    const table = formatCalibration([
      { folder: 'good', errors: 0, warnings: 1 },
      { folder: 'bad', errors: 2, warnings: 0, firstError: { ruleId: 'R01', severity: 'error', source: 'S1 SpecificationVersionIncorrect', file: 'apiDefinition.swagger.json', path: 'swagger', message: 'swagger must be "2.0".' } },
    ]);
    expect(table).toMatch(/bad\s+2\s+0 {2}R01 S1 SpecificationVersionIncorrect {2}apiDefinition\.swagger\.json swagger: swagger must be "2\.0"\./);
    expect(table).toContain('1 of 2 pass with 0 errors (50.0 %)');
  });

  it('exits 2 without exactly one folder', async () => {
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(await runCalibrate([])).toBe(2);
    expect(await runCalibrate([join(FIXTURES, 'missing')])).toBe(2);
    jest.restoreAllMocks();
  });
});
