/** Tests run as native ESM; SWC strips the types. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } },
    ],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The servers' builds (npm start's dist/, a test's own) are not modules of the tests.
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/dist.next-', '<rootDir>/.build-test-'],
  testTimeout: 30000,
  maxWorkers: 1,
};
