// Unit tests live beside the code (src/**/x.spec.ts, packages/*/src/**/x.spec.ts) and in test/unit; end-to-end tests in test/e2e.
const swc = JSON.parse((await import('node:fs')).readFileSync(new URL('./.swcrc', import.meta.url), 'utf8'));
delete swc.$schema;

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }] },
  moduleNameMapper: {
    '^@riptrunk/(ript|sdk)$': '<rootDir>/packages/$1/src/index.ts',
    '^@riptrunk/ript/sip$': '<rootDir>/packages/ript/src/sip/index.ts',
    '^@riptrunk/sdk/gateway$': '<rootDir>/packages/sdk/src/gateway/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: [
    '<rootDir>/src/**/*.spec.ts',
    '<rootDir>/packages/*/src/**/*.spec.ts',
    '<rootDir>/test/**/*.spec.ts',
    '<rootDir>/test/**/*.e2e-spec.ts',
  ],
  setupFiles: ['reflect-metadata'],
  testTimeout: 30000,
  maxWorkers: 2,
};
