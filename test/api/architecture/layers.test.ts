/**
 * The import-boundary rule (eslint.config.mjs, drawn in api/README.md) refuses an import that crosses
 * the layer graph, and the product's sources keep to it. `npm run lint` runs the same rule; this suite
 * shows that the rule bites rather than trusting a clean lint.
 */
import { ESLint } from 'eslint';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
// Only the layer rule runs (npm run lint runs the rest): linting every source stays quick.
const eslint = new ESLint({ cwd: root, cache: false, ruleFilter: ({ ruleId }) => ruleId === 'boundaries/dependencies' });

async function layerErrors(file: string, text: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: join(root, file) });
  return (result?.messages ?? []).filter((message) => message.ruleId === 'boundaries/dependencies').map((message) => message.message);
}

describe('the layer graph', () => {
  it.each([
    ['api/src/core/Probe.ts', "import { locationBase } from '../http/locationBase';", 'core', 'http'],
    ['api/src/core/Probe.ts', "import { LocalDataverseServer } from '../local-dataverse/http/LocalDataverseServer';", 'core', 'local-dataverse'],
    ['api/src/dataverse/Probe.ts', "import { createQueue } from '../database/createQueue';", 'dataverse', 'database'],
    ['api/src/queue/Probe.ts', "import { createApp } from '../http/createApp';", 'queue', 'http'],
    ['api/src/webhooks/Probe.ts', "import { Reconciler } from '../reconciler/Reconciler';", 'webhooks', 'reconciler'],
  ])('refuses %s importing %s', async (file, source, from, to) => {
    const errors = await layerErrors(file, `${source}\nexport const probe = [${source.match(/\{ (\w+) \}/)![1]}];\n`);
    expect(errors).toEqual([expect.stringContaining(`from elements of type "${from}" to elements of type "${to}"`)]);
  });

  it('allows an import the graph lists', async () => {
    expect(await layerErrors('api/src/http/Probe.ts', "import { EnsureService } from '../core/EnsureService';\nexport type Probe = EnsureService;\n")).toEqual([]);
  });

  it('holds for every product source', async () => {
    const results = await eslint.lintFiles(['api/src']);
    const crossings = results.flatMap((result) => result.messages.filter((message) => message.ruleId === 'boundaries/dependencies').map((message) => `${result.filePath}: ${message.message}`));
    expect(crossings).toEqual([]);
  }, 120_000);
});
