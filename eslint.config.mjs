// Lints the Node parts (api/, test/). Each PCF control keeps its own eslint config with the
// Power Apps plugin, run by its own build.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from 'eslint-plugin-boundaries';

// The layer graph of api/src (api/README.md draws it). Each folder is a layer; a file may import its
// own layer and the layers listed for it, nothing else. The entry points beside the folders (main.ts,
// keys.ts) wire the layers together and are not in the graph. The local Dataverse is an emulator: only the
// entry points (main.ts, the CLI) start it, the product's layers never import it.
const LAYERS = {
  dataverse: [],
  database: [],
  resilience: ['dataverse'],
  core: ['dataverse'],
  events: ['core'],
  queue: ['core', 'database', 'dataverse', 'events', 'resilience'],
  reconciler: ['core', 'database', 'dataverse', 'events', 'resilience'],
  webhooks: ['core', 'database', 'events'],
  metrics: ['core', 'dataverse', 'events', 'queue', 'resilience'],
  config: ['dataverse', 'queue', 'reconciler', 'resilience', 'webhooks'],
  http: ['config', 'core', 'dataverse', 'events', 'metrics', 'queue', 'webhooks'],
  'local-dataverse': ['database'],
};
const layerPolicies = Object.entries(LAYERS).map(([layer, allowed]) => ({
  from: { element: { type: layer } },
  allow: { to: { element: { types: { anyOf: [layer, ...allowed] } } } },
}));

export const layerRules = {
  files: ['api/src/**/*.ts', 'api/src/**/*.tsx', 'api/src/**/*.mjs'],
  plugins: { boundaries },
  settings: {
    'import/resolver': { node: { extensions: ['.ts', '.tsx', '.mjs', '.js', '.json'] } },
    'boundaries/elements': [
      ...Object.keys(LAYERS).map((layer) => ({ type: layer, pattern: `api/src/${layer}` })),
    ],
  },
  rules: {
    'boundaries/dependencies': ['error', {
      default: 'disallow',
      policies: [
        ...layerPolicies,
      ],
    }],
  },
};

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/out/**', 'pcf-control/**', 'test/pcf-control/**', 'coverage/**', '.data/**', 'test-output/**', 'connector/**/*.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  layerRules,
);
