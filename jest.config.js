// Two lanes, one config.
//  - "unit": everything that runs with `npm ci` alone (real SQLite, real sockets on loopback, Pulumi mocks).
//  - "system": tests that need Debian packages (Chromium, nginx, podman); files named *.system.test.ts.
//    Installed by `npm run setup:system`, run by `npm run test:system`.
const shared = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] },
  modulePathIgnorePatterns: ['<rootDir>/app/dist', '<rootDir>/.stacks-tmp'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.system\\.test\\.ts$'],
      testTimeout: 30000,
    },
    {
      ...shared,
      displayName: 'system',
      testMatch: ['<rootDir>/**/*.system.test.ts'],
      testPathIgnorePatterns: ['/node_modules/'],
      testTimeout: 600000,
    },
  ],
};
