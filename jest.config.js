/** One runner, one config. Unit specs sit beside the code; integration and e2e specs under test/. */
const swc = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
};
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  // nock 14's interceptors (@mswjs/interceptors) keep a process-wide singleton on globalThis; with jest's default
  // "soft" clean-up a later suite in the same worker reuses the previous suite's (restored) one and its requests
  // fail with "Disallowed net connect". "on" deletes those globals between suites, so each suite starts clean.
  testEnvironmentOptions: { globalsCleanup: 'on' },
  testRegex: '.*\\.(spec|int-spec|e2e-spec)\\.ts$',
  transform: {
    '^.+\\.ts$': ['@swc/jest', swc],
    // NestJS 12 ships ES modules only; jest on Node 20 loads CommonJS, so SWC converts them.
    // request-filtering-agent (libs/net) too
    '^.+/node_modules/(@nestjs|request-filtering-agent)/.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' }, jsc: { target: 'es2022' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@nestjs/|request-filtering-agent/)'],
  moduleNameMapper: { '^@app/([^/]+)(/(.*))?$': '<rootDir>/libs/$1/src$2' },
  setupFiles: ['<rootDir>/libs/testing/src/jest.setup.ts'],
  setupFilesAfterEnv: ['<rootDir>/libs/testing/src/jest.after-env.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 30000,
};
