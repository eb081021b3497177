/**
 * docker/compose.yaml validated against the compose-spec JSON schema (the copy dclint ships, compiled by ajv)
 * after interpolation, as `docker compose` validates it; then the wiring issue 12 asks for. docker/Dockerfile:
 * multi-stage, compiled JavaScript from tsconfig.build.json, production dependencies only, a numeric USER.
 * (No Docker engine runs on this machine, so no image is built here: these checks read the Dockerfile and the
 * TypeScript build configuration it relies on.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Ajv from 'ajv';
import * as ts from 'typescript';
import { APPS, ROOT, composeModel, parseEnvFile, readText } from './support/deploy';

// draft-07, which is ajv's default; its $schema names the https:// form of the meta-schema ajv registers as http://
const { $schema: _draft07, ...schema } = JSON.parse(readFileSync(join(dirname(require.resolve('dclint/package.json')), 'schemas/compose.schema.json'), 'utf8'));
const validateCompose = new Ajv({ allErrors: true, strict: false }).compile(schema);

/** values of the right shape where docker/.env.example leaves a required secret empty (never real ones) */
const FILLED = {
  POSTGRES_PASSWORD: 'b'.repeat(48),
  REDIS_PASSWORD: 'c'.repeat(48),
  SECRETS_KEY: 'ab'.repeat(32),
  INTERNAL_SERVICE_SECRET: 'x'.repeat(40),
  ERP_BASE_URL: 'https://erp.example.com',
  ERP_SECRET: 's',
};
const example = parseEnvFile(readText('docker/.env.example'));
const sim = parseEnvFile(readText('docker/sim.env'));

describe('docker/compose.yaml', () => {
  const model = composeModel({ ...example, ...FILLED });
  const trial = composeModel({ ...example, ...FILLED, ...sim });

  it('validates against the compose-spec schema, as run and as a trial run', () => {
    for (const m of [model, trial]) {
      const ok = validateCompose(m);
      expect(validateCompose.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('the schema rejects what compose would reject', () => {
    const broken = structuredClone(model);
    broken.services.gateway.depends_on.migrate.condition = 'service_done';
    broken.services.redis.restart_policy = 'always';
    expect(validateCompose(broken)).toBe(false);
    expect(validateCompose.errors!.map((e) => e.instancePath)).toEqual(
      expect.arrayContaining(['/services/gateway/depends_on/migrate/condition', '/services/redis']),
    );
  });

  it('keeps Redis on noeviction with AOF on a volume, Postgres on a volume, both with healthchecks', () => {
    const redis = model.services.redis;
    const args = redis.command.join(' ');
    expect(args).toContain('--maxmemory-policy noeviction');
    expect(args).toContain('--appendonly yes');
    expect(redis.volumes).toEqual(['redisdata:/data']);
    expect(model.services.postgres.volumes).toEqual(['pgdata:/var/lib/postgresql/data']);
    expect(Object.keys(model.volumes).sort()).toEqual(['pgdata', 'redisdata']);
    for (const s of ['postgres', 'redis']) expect(model.services[s].healthcheck.test).toBeDefined();
  });

  it.each(APPS)('%s waits for healthy Postgres and Redis and completed migrations, and has a readiness healthcheck', (app) => {
    const s = model.services[app];
    expect(s.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      migrate: { condition: 'service_completed_successfully' },
    });
    expect(s.healthcheck.test.join(' ')).toContain('/health/ready');
    expect(s.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile', target: app });
    expect(s.image).toMatch(new RegExp(`^omnisync/${app}:\\d+\\.\\d+\\.\\d+`));
  });

  it('runs the migrations from the migrate target once Postgres is healthy', () => {
    expect(model.services.migrate.build.target).toBe('migrate');
    expect(model.services.migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(Object.keys(model.services.migrate.environment)).toEqual(['DATABASE_URL']);
  });

  it('publishes only the gateway API port (the simulators of a trial run on loopback only); every app gets its METRICS_PORT', () => {
    const metrics: Record<string, string> = { gateway: '9400', 'order-sync': '9401', 'catalog-sync': '9402', coupon: '9403' };
    for (const [name, s] of Object.entries<{ ports?: string[] }>(trial.services)) {
      if (name === 'gateway') expect(s.ports).toEqual(['3000:3000']);
      else if (name === 'sandbox') for (const p of s.ports!) expect(p).toMatch(/^127\.0\.0\.1:/);
      else expect({ name, ports: s.ports }).toEqual({ name, ports: undefined });
    }
    for (const app of APPS) expect(model.services[app].environment.METRICS_PORT).toBe(metrics[app]);
  });

  it('starts the simulators only in the sim profile', () => {
    expect(model.services.sandbox.profiles).toEqual(['sim']);
    for (const [name, s] of Object.entries<{ profiles?: string[] }>(model.services)) if (name !== 'sandbox') expect({ name, profiles: s.profiles }).toEqual({ name, profiles: undefined });
    expect(example.COMPOSE_PROFILES).toBeUndefined();
    expect(sim.COMPOSE_PROFILES).toBe('sim');
  });
});

describe('docker/Dockerfile', () => {
  const dockerfile = readText('docker/Dockerfile');
  const stages = new Map([...dockerfile.matchAll(/^FROM\s+(\S+)\s+AS\s+(\S+)\s*\n([\s\S]*?)(?=^FROM\s|(?![\s\S]))/gm)].map((m) => [m[2], { from: m[1], body: m[3] }]));
  const cmdOf = (stage: string): string[] => JSON.parse(/^CMD (\[.*\])/m.exec(stages.get(stage)!.body)![1]);
  const build = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)); } })!;
  /** where tsc puts a source file: outDir + its path under rootDir, .js */
  const emitted = (src: string) => join(build.options.outDir!, src.replace(/\.ts$/, '.js')).replace(`${ROOT}/`, '');

  it('has one build target per app, plus migrate and the simulators', () => {
    for (const t of [...APPS, 'migrate', 'sandbox']) expect(stages.has(t)).toBe(true);
  });

  it('compiles in a build stage and copies only dist/ and production dependencies into the runtime stages', () => {
    expect(stages.get('build')!.body).toMatch(/^RUN npm ci\b/m);
    expect(stages.get('build')!.body).toMatch(/^RUN npm run build$/m);
    expect(JSON.parse(readText('package.json')).scripts.build).toBe('nest build');
    expect(stages.get('prod-deps')!.body).toMatch(/^RUN npm ci --omit=dev\b/m);
    const base = stages.get('base')!.body;
    expect(base).toContain('COPY --from=prod-deps /app/node_modules ./node_modules');
    expect(base).toContain('COPY --from=build /app/dist ./dist');
    // no sources, no runtime TypeScript hook
    expect(base).not.toMatch(/^COPY (apps|libs|scripts)\b/m);
    expect(dockerfile).not.toMatch(/run-ts|register\.js|@swc/);
    for (const t of [...APPS, 'migrate', 'sandbox']) expect(stages.get(t)!.from).toBe('base');
  });

  it('runs as a numeric user', () => {
    expect(stages.get('base')!.body).toMatch(/^USER \d+:\d+$/m);
  });

  it('builds CommonJS into dist/ from a program that holds every entry point the images run', () => {
    expect(build.errors).toEqual([]);
    expect(build.options.noEmit).toBe(false);
    expect(build.options.module).toBe(ts.ModuleKind.CommonJS);
    // the SWC runtime hook and jest use [[Set]] class fields; the compiled images must behave the same
    expect(build.options.useDefineForClassFields).toBe(false);
    const sources = new Set(build.fileNames.map((f) => f.replace(`${ROOT}/`, '')));
    const entries: Record<string, string> = {
      gateway: 'apps/gateway/src/main.ts',
      'order-sync': 'apps/order-sync/src/main.ts',
      'catalog-sync': 'apps/catalog-sync/src/main.ts',
      coupon: 'apps/coupon/src/main.ts',
      migrate: 'scripts/migrate.ts',
      sandbox: 'libs/sandbox/src/main.ts',
    };
    for (const [stage, src] of Object.entries(entries)) {
      expect(existsSync(join(ROOT, src))).toBe(true);
      expect({ stage, inBuild: sources.has(src) }).toEqual({ stage, inBuild: true });
      expect(cmdOf(stage)).toEqual(['node', emitted(src)]);
    }
    // nothing test-only is compiled into the images
    expect([...sources].filter((f) => /\.(spec|int-spec|e2e-spec)\.ts$|\/test\/|^libs\/testing\//.test(f))).toEqual([]);
  });

  it("copies the ops page's static files into dist/ beside its compiled controller, and ships uPlot as a production dependency", () => {
    // nest build's assets (nest-cli.json): include is relative to the gateway's sourceRoot, outDir keeps the path from the root
    const cli = JSON.parse(readText('nest-cli.json')) as { compilerOptions: { assets?: { include: string; outDir: string }[] }; projects: Record<string, { sourceRoot: string }> };
    const asset = (cli.compilerOptions.assets ?? []).find((a) => a.include.startsWith('ops-page/public/'));
    expect(asset).toEqual(expect.objectContaining({ include: 'ops-page/public/**/*', outDir: 'dist' }));
    expect(cli.projects.gateway.sourceRoot).toBe('apps/gateway/src');
    // the controller reads join(__dirname, 'public'): dist/apps/gateway/src/ops-page/public, which the glob fills
    expect(emitted('apps/gateway/src/ops-page/ops-page.controller.ts')).toBe('dist/apps/gateway/src/ops-page/ops-page.controller.js');
    for (const f of ['index.html', 'ops.js', 'ops.css']) expect(existsSync(join(ROOT, 'apps/gateway/src/ops-page/public', f))).toBe(true);
    const pkg = JSON.parse(readText('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(pkg.dependencies.uplot).toBeDefined();
    // the e2e's browser driver is a dev tool, never in an image
    expect(pkg.dependencies['puppeteer-core']).toBeUndefined();
  });
});
