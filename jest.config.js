/**
 * One jest run for every suite under test/. Each part gets its own project so it can pick its
 * environment (node for the API and tools, jsdom for the PCF controls).
 * ts-jest transpiles only (isolatedModules); `npm run typecheck` does the type checking once.
 */
/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  projects: [
    {
      displayName: 'api',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['<rootDir>/test/{api,local-dataverse,connector,solution,e2e}/**/*.test.ts'],
      transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
    },
  ],
};
