/**
 * `npm run connector:validate [-- <folder>]`: validates a custom connector folder
 * offline against the certification checklist. Prints every finding; exits 1 when there is an
 * error, 0 otherwise (warnings alone do not fail). The folder defaults to `connector/`.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatReport, summarize } from './report';
import { validateConnectorFolder } from './validation/validate-connector-files';

const USAGE = 'usage: npm run connector:validate -- [<connector folder>]';

export async function runValidateConnector(args: readonly string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const positional = args.filter((arg) => !arg.startsWith('--'));
  if (positional.length > 1 || positional.length < args.length) {
    console.error(USAGE);
    return 2;
  }
  const folder = resolve(positional[0] ?? join(__dirname, '..'));
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    console.error(`connector folder not found: ${folder}\n${USAGE}`);
    return 2;
  }
  const findings = await validateConnectorFolder(folder);
  console.log(formatReport(folder, findings));
  return summarize(findings).errors > 0 ? 1 : 0;
}

if (require.main === module) {
  runValidateConnector(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(2);
    },
  );
}
