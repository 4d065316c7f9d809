// Two lanes, one config.
//  - "unit": everything that runs with `npm ci` alone (real SQLite, real sockets on loopback, Pulumi mocks).
//  - "system": tests that need Debian packages (Chromium, nginx, podman); files named *.system.test.ts.
//    Installed by `npm run setup:system`, run by `npm run test:system`.
const shared = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  modulePathIgnorePatterns: ['<rootDir>/app/dist', '<rootDir>/.stacks-tmp'],
};

/** @type {import('jest').Config} */
module.exports = {
  // Per-test bound; long system tests pass their own timeout as the third argument of test().
  testTimeout: 60000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.system\\.test\\.ts$'],
    },
    {
      ...shared,
      displayName: 'system',
      testMatch: ['<rootDir>/**/*.system.test.ts'],
      // CONTAINER_NOFILE within this machine's open-files limit for every compose command (see the file).
      setupFiles: ['<rootDir>/test/system-helpers/container-limits.ts'],
      testPathIgnorePatterns: ['/node_modules/'],
    },
  ],
};
