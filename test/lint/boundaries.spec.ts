import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The import-boundary rules (.dependency-cruiser.cjs, docs/adr/0006-import-boundaries.md) run on two small
 * trees under test/fixtures/boundaries, each with its own tsconfig.json `paths` (so `@app/*` is resolved as
 * in the repository): one that breaks every rule once, one that keeps them all.
 */
const ROOT = path.resolve(__dirname, '../..');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const FIXTURES = path.join(ROOT, 'test/fixtures/boundaries');

interface Violation {
  rule: string;
  from: string;
  to: string;
}

/** Runs the rules as `npm run lint:boundaries` does (the `err` reporter: exit code = number of errors). */
function cruise(tree: string): Promise<{ code: number; violations: Violation[]; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [DEPCRUISE, '--config', CONFIG, 'apps', 'libs', 'scripts'],
      { cwd: path.join(FIXTURES, tree), timeout: 60_000 },
      (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        const violations = [...output.matchAll(/^\s*error ([a-z-]+): (\S+) → (\S+)$/gm)].map(([, rule, from, to]) => ({ rule, from, to }));
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, violations, output });
      },
    );
  });
}

const byRule = (a: Violation, b: Violation): number => `${a.rule} ${a.from} ${a.to}`.localeCompare(`${b.rule} ${b.from} ${b.to}`);

describe('import boundaries (npm run lint:boundaries)', () => {
  it('fails on a tree where an app imports another app and a lib imports an app, naming each import', async () => {
    const { code, violations } = await cruise('violating');
    expect(code).toBe(9);
    expect(violations.sort(byRule)).toEqual(
      [
        { rule: 'app-imports-other-app', from: 'apps/shop/src/checkout.ts', to: 'apps/billing/src/invoice.ts' },
        { rule: 'lib-imports-app', from: 'libs/money/src/index.ts', to: 'apps/shop/src/checkout.ts' },
        { rule: 'lib-imports-script', from: 'libs/money/src/index.ts', to: 'scripts/seed.ts' },
        { rule: 'production-imports-test-code', from: 'apps/shop/src/checkout.ts', to: 'apps/shop/test/fake-cart.ts' },
        { rule: 'lib-by-relative-path', from: 'apps/shop/src/checkout.ts', to: 'libs/money/src/cents.ts' },
        { rule: 'lib-by-relative-path', from: 'scripts/seed.ts', to: 'libs/money/src/cents.ts' },
        { rule: 'app-imports-platform-adapter', from: 'apps/shop/src/checkout.ts', to: 'libs/platforms/src/acme/acme.adapter.ts' },
        { rule: 'contracts-import-something', from: 'libs/contracts/src/index.ts', to: 'libs/money/src/index.ts' },
        { rule: 'not-to-unresolvable', from: 'apps/billing/src/invoice.ts', to: '@app/tax' },
      ].sort(byRule),
    );
  });

  it('passes on a tree that keeps the rules (aliases resolved, tests importing libs/testing, scripts importing apps)', async () => {
    const { code, violations, output } = await cruise('clean');
    expect(violations).toEqual([]);
    expect(output).toContain('no dependency violations found (9 modules');
    expect(code).toBe(0);
  });

  it('runs in the test command after the typecheck and before jest', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['lint:boundaries']).toBe('depcruise --config .dependency-cruiser.cjs apps libs scripts bench test');
    const lines = readFileSync(path.join(ROOT, 'scripts/test.sh'), 'utf8').split('\n');
    const at = (re: RegExp): number => lines.findIndex((l) => re.test(l));
    const tsc = at(/^npx tsc /);
    const lint = at(/^npm run --silent lint:boundaries$/);
    const jest = at(/^\s*npx jest /);
    expect(tsc).toBeGreaterThanOrEqual(0);
    expect(lint).toBeGreaterThan(tsc);
    expect(jest).toBeGreaterThan(lint);
  });
});
