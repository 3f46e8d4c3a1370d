/**
 * One jest run for every suite under test/. Each part gets its own project so it can pick its
 * environment (node for the API and tools, jsdom for the PCF controls).
 * ts-jest transpiles only (isolatedModules); `npm run typecheck` does the type checking once.
 */
const { availableParallelism } = require('node:os');

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  // At least three suites at a time, even on 2 cores (jest's default there, cores − 1, runs them one
  // by one): most suites spend their time waiting on HTTP, child processes, PGlite's worker thread and
  // timers, not computing. On a 2-core machine three took npm test from 328 s to 296 s.
  maxWorkers: Math.max(3, availableParallelism() - 1),
  projects: [
    {
      displayName: 'api',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['<rootDir>/test/{api,local-dataverse,connector,solution,e2e,deploy}/**/*.test.ts'],
      // One initialised PGlite cluster, made once and cached, that suites copy instead of running initdb.
      globalSetup: '<rootDir>/test/support/pgliteTemplateSetup.ts',
      transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
    },
    {
      // The PCF controls' unit tests: React components, context/dataset mocks, pure mappings (jsdom).
      displayName: 'pcf-control',
      testEnvironment: 'jsdom',
      roots: ['<rootDir>/test/pcf-control'],
      testMatch: ['<rootDir>/test/pcf-control/**/*.test.ts?(x)'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/pcf-control/(build|browser)/'],
      setupFilesAfterEnv: ['<rootDir>/test/pcf-control/setup/jest.setup.ts'],
      transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/test/pcf-control/tsconfig.json' }] },
    },
    {
      // The PCF controls' production output: built manifests, bundle sizes, and the pcf-start harness
      // in headless Chromium. Its global setup builds both controls first when their output is stale.
      displayName: 'pcf-control-build',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/pcf-control'],
      testMatch: ['<rootDir>/test/pcf-control/{build,browser}/**/*.test.ts'],
      globalSetup: '<rootDir>/test/pcf-control/setup/globalSetup.js',
      transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/test/pcf-control/tsconfig.json' }] },
    },
  ],
};
