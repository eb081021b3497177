/**
 * Import boundaries (STYLE rule 1, docs/adr/0006-import-boundaries.md), checked by `npm run lint:boundaries`
 * and by scripts/test.sh before jest. Paths are relative to the folder cruised from (the repository root, or a
 * fixture tree in boundaries.spec.ts); `@app/*` aliases are resolved through tsconfig.json's `paths`.
 *
 *   apps/<a>/**        its own app and libs only, tests included (another app is reached by HTTP or a job; a test
 *                      that spans apps lives in the top-level test/); production code imports no scripts/ or bench/
 *   libs/<l>/**        libs only: never apps, scripts/ or bench/, tests included
 *   production source  never imports test code (specs, test/ folders, libs/testing)
 *   apps (production)  reach a platform through the PlatformAdapter port, the registry and capability guards,
 *                      never a concrete adapter file
 *   libs/contracts     depends on nothing (no other lib, no package)
 *   every import       of another lib's source through its @app/<lib> alias; nothing left unresolved
 *   scripts/, bench/,  composition roots (migration list, migrate CLI, demo, system) and system-wide tests:
 *   test/              may import apps and libs
 */
// test code: specs anywhere, any test/ folder, libs/testing
const TEST = '(^|/)test/|\\.(spec|int-spec|e2e-spec)\\.ts$|^libs/testing/';

module.exports = {
  forbidden: [
    {
      name: 'app-imports-other-app',
      comment: 'Apps never import each other (STYLE rule 1): cross-app traffic is a queued job or an HTTP call.',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'lib-imports-app',
      comment: 'Libs never import apps (STYLE rule 1).',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'lib-imports-script',
      comment: 'Libs never import scripts/ or bench/: those are composition roots over the apps.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^(scripts|bench)/' },
    },
    {
      name: 'app-imports-script',
      comment: 'Production app code imports libs only; scripts/ and bench/ compose the apps, not the other way round.',
      severity: 'error',
      from: { path: '^apps/', pathNot: TEST },
      to: { path: '^(scripts|bench)/' },
    },
    {
      name: 'production-imports-test-code',
      comment: 'Production source never imports test code (specs, test/ folders, libs/testing); only test code does.',
      severity: 'error',
      from: { pathNot: TEST },
      to: { path: TEST },
    },
    {
      name: 'lib-by-relative-path',
      comment:
        "Another lib's source is imported through its alias (@app/<lib>), never by a relative path (STYLE rule 1), " +
        "from apps, libs, scripts, bench and test alike. A lib's test/ folder has no alias: test code reaches it by path.",
      severity: 'error',
      from: { path: '^(apps|libs|scripts|bench|test)/([^/]+)' },
      to: { path: '^libs/[^/]+/src/', pathNot: '^$1/$2/', dependencyTypesNot: ['aliased-tsconfig-paths'] },
    },
    {
      name: 'app-imports-platform-adapter',
      comment: 'Apps reach a platform through the PlatformAdapter port, the adapter registry and capability guards, never a concrete adapter.',
      severity: 'error',
      from: { path: '^apps/', pathNot: TEST },
      to: { path: '^libs/platforms/src/[^/]+/[^/]+\\.adapter\\.ts$' },
    },
    {
      name: 'contracts-import-something',
      comment: 'libs/contracts depends on nothing (STYLE rule 1): plain TS types and constants, no other lib, no package.',
      severity: 'error',
      from: { path: '^libs/contracts/', pathNot: TEST },
      to: { pathNot: '^libs/contracts/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing would hide a boundary crossing from the rules above.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // test/fixtures/boundaries: the trees boundaries.spec.ts cruises on their own (they break the rules on purpose)
    exclude: { path: '(^|/)(node_modules|dist|coverage)/|^test/fixtures/boundaries/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
