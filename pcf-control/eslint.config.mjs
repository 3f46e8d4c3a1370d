// ESLint for the PCF controls and their tests, with Microsoft's Power Apps checker rules.
// Found by pcf-scripts' own lint step (run inside pcf-control/<control>/, so the base path is
// pcf-control/), and used by the root `npm run lint:pcf` with `-c` (base path: the repository root,
// which also covers test/pcf-control/). The root eslint.config.mjs ignores both folders.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import powerApps from '@microsoft/eslint-plugin-power-apps';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/out/**', '**/generated/**', '**/obj/**', '**/bin/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { '@microsoft/power-apps': powerApps, 'react-hooks': reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    settings: powerApps.configs.paCheckerHosted.settings,
    rules: {
      ...powerApps.configs.paCheckerHosted.rules,
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
