/** Tests run as native ESM; SWC strips the types. */

// The libraries under test run as in a deployment (NODE_ENV=production), not in jest's `test`:
// graphql-js's development build checks every type test (`isObjectType` and the like) for a second
// copy of itself, a fifth of the suite's CPU time. Nothing of the project reads this variable in a
// test: servers get their settings from testConfig's explicit environment, and the tests that start
// processes as a user would (npm start, the servers' files) leave it out of the child's environment.
process.env.NODE_ENV = 'production';

/**
 * Suites whose outcome does not depend on the database: they read no table, or run the gateway's
 * own behaviour over a stack whose storage is incidental (or, like supervision, drop DATABASE_URL
 * themselves). With DATABASE_URL set (the PostgreSQL run of CI) they would repeat the SQLite run
 * exactly, so that run leaves them out; every suite that reads or writes a table runs on both.
 */
const DATABASE_INDEPENDENT = [
  'test/schema-docs.test.ts',
  'test/schema-contract.test.ts',
  'test/generated.test.ts',
  'test/structure.test.ts',
  'test/test-output.test.ts',
  'test/support/free-port.test.ts',
  'test/docs-examples.test.ts',
  'test/deploy/manifests.test.ts',
  'test/deploy/alerts.test.ts',
  'test/deploy/router-compatibility.test.ts',
  'test/browser/graphiql.test.ts',
  'test/e2e/supervision.test.ts',
  'test/fakes/',
  'test/contract/upstream-parsers.test.ts',
  'test/live/pubsub.test.ts',
  'test/gateway/http.test.ts',
  'test/gateway/limits.test.ts',
  'test/gateway/timeout.test.ts',
  'test/gateway/production.test.ts',
  'test/gateway/logging.test.ts',
  'test/gateway/per-request-work.test.ts',
  'test/gateway/redis-frozen.test.ts',
  'test/gateway/unsupported-operations.test.ts',
  'test/gateway/rules.test.ts',
  'test/gateway/clients.test.ts',
  'test/gateway/trusted-tools.test.ts',
  'test/gateway/app.test.ts',
  ...[
    'access',
    'connection',
    'keyset',
    'signature',
    'http-server',
    'http-client',
    'config',
    'global-id',
    'idempotency-key',
    'logger',
    'upstream-health',
    'verified-tokens',
    'input-limits',
    'metrics',
    'upstream-watch',
  ].map((name) => `test/lib/${name}.test.ts`),
];

export default {
  testPathIgnorePatterns: [
    '/node_modules/',
    ...(process.env.DATABASE_URL ? DATABASE_INDEPENDENT.map((path) => `<rootDir>/${path}`) : []),
  ],
  // Node's, with a log file per suite for the servers it starts, printed when a test fails.
  testEnvironment: '<rootDir>/test/support/environment.ts',
  setupFiles: ['<rootDir>/test/support/server-log.ts'],
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
  // One suite at a time, in a worker process started again once its heap passes this after a suite:
  // every suite loads the servers' modules afresh and the ESM loader keeps them, so a single process
  // grew to gigabytes and spent ever more of the run collecting garbage (the whole suite on SQLite:
  // 683 s in one process, 550 s with the worker renewed).
  maxWorkers: 1,
  workerIdleMemoryLimit: '1500MB',
};
