/**
 * Issue 12 acceptance: compose's and k8s's environment sets every variable the apps require. For each app, the
 * environment a deployment file gives its container (image ENV + what the file sets) is compared with the app's
 * env class: every variable the class requires (no default, not @IsOptional, @ValidateIf true) is set, every
 * variable whose default is a loopback address (the service URLs, DATABASE_URL, REDIS_URL, BIND_HOST, ...: inside
 * a container that is the container itself) is set explicitly, and the app's own validation (loadEnv) passes.
 */
import { loadEnv } from '@app/config';
import { OrderSyncEnv } from '../../apps/order-sync/src/config/env.validation';
import {
  APPS,
  ENV_CLASSES,
  OVERLAYS,
  composeModel,
  composeVariables,
  containerEnv,
  kustomize,
  missingFor,
  parseEnvFile,
  readText,
  secretValues,
  imageEnv,
  type AppName,
  type Env,
  type K8sObject,
} from './support/deploy';

/**
 * What an operator puts where the examples leave a REQUIRED secret empty or CHANGE_ME (values of the right
 * shape, never real). A new required variable without an entry here fails the "every required variable" tests.
 */
const OPERATOR_VALUES: Env = {
  POSTGRES_PASSWORD: 'b'.repeat(48),
  REDIS_PASSWORD: 'c'.repeat(48),
  REDIS_ADDRESS: 'redis.example.internal:6379',
  SECRETS_KEY: 'ab'.repeat(32),
  INTERNAL_SERVICE_SECRET: 'operator-internal-service-secret-0123456789',
  ERP_BASE_URL: 'https://erp.example.com',
  ERP_SECRET: 'operator-erp-secret',
};

/** variables a merchant's browser opens (not the container): localhost is right for a single-host trial */
const BROWSER_FACING = new Set(['OAUTH_REDIRECT_BASE_URL', 'PLATFORM_AUTHORIZE_URL_DOUYIN', 'PLATFORM_AUTHORIZE_URL_TAOBAO', 'PLATFORM_AUTHORIZE_URL_XIAOHONGSHU']);
const LOOPBACK_VALUE = /\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])([:/]|$)/;

function checkApp(app: AppName, env: Env): void {
  expect({ app, missing: missingFor(app, env) }).toEqual({ app, missing: [] });
  expect(() => loadEnv(ENV_CLASSES[app], env, { app })).not.toThrow();
  expect({ app, NODE_ENV: env.NODE_ENV, BIND_HOST: env.BIND_HOST }).toEqual({ app, NODE_ENV: 'production', BIND_HOST: '0.0.0.0' });
  const loopback = Object.entries(env).filter(([k, v]) => !BROWSER_FACING.has(k) && LOOPBACK_VALUE.test(v)).map(([k]) => k);
  expect({ app, loopback }).toEqual({ app, loopback: [] });
}

/** order-sync's retention days as a deployment file sets them: each set, equal to the env class default, valid */
const RETENTION_DAYS = ['RETENTION_INBOX_DAYS', 'RETENTION_OUTBOX_DAYS', 'RETENTION_SLA_EVENTS_DAYS', 'RETENTION_AUDIT_DAYS', 'RETENTION_OUTAGES_DAYS'] as const;
function checkRetention(env: Env): void {
  const defaults = new OrderSyncEnv() as unknown as Record<string, unknown>;
  const loaded = loadEnv(OrderSyncEnv, env, { app: 'order-sync' }) as unknown as Record<string, unknown>;
  for (const k of RETENTION_DAYS) {
    expect({ k, set: env[k] }).toEqual({ k, set: String(defaults[k]) });
    expect({ k, loaded: loaded[k] }).toEqual({ k, loaded: defaults[k] });
  }
  // the checker can fail: a value under the floor (message ids inside the redelivery window) stops start-up
  expect(() => loadEnv(OrderSyncEnv, { ...env, RETENTION_INBOX_DAYS: '3' }, { app: 'order-sync' })).toThrow(/RETENTION_INBOX_DAYS/);
}

describe('the env checker', () => {
  // the checks below must be able to fail: the same checker on environments that lack something
  it('reports what a container environment lacks', () => {
    const good: Env = {
      ...imageEnv('order-sync'),
      DATABASE_URL: 'postgres://u:p@db:5432/omnisync',
      REDIS_URL: 'redis://redis:6379',
      SECRETS_KEY: 'ab'.repeat(32),
      INTERNAL_SERVICE_SECRET: 'x'.repeat(40),
      ERP_BASE_URL: 'https://erp.example.com',
      ERP_SECRET: 's',
    };
    expect(missingFor('order-sync', good)).toEqual([]);
    const { ERP_SECRET: _s, DATABASE_URL: _d, ...lacking } = good;
    expect(missingFor('order-sync', lacking)).toEqual(['DATABASE_URL', 'ERP_SECRET']);
    // ERP_SECRET is required only for the generic-http connector; jushuitan asks for its three JST_* instead
    expect(missingFor('order-sync', { ...lacking, DATABASE_URL: good.DATABASE_URL, ERP_CONNECTOR: 'jushuitan' })).toEqual([
      'JST_ACCESS_TOKEN',
      'JST_APP_KEY',
      'JST_APP_SECRET',
    ]);
    // the gateway without its upstream URLs would forward to itself (their defaults are 127.0.0.1)
    const gw = { ...imageEnv('gateway'), DATABASE_URL: good.DATABASE_URL, REDIS_URL: good.REDIS_URL, SECRETS_KEY: good.SECRETS_KEY, INTERNAL_SERVICE_SECRET: good.INTERNAL_SERVICE_SECRET };
    expect(missingFor('gateway', gw)).toEqual(['CATALOG_SYNC_URL', 'COUPON_SERVICE_URL', 'OAUTH_REDIRECT_BASE_URL', 'ORDER_SYNC_URL']);
  });
});

describe('docker/compose.yaml environment', () => {
  const example = parseEnvFile(readText('docker/.env.example'));
  const sim = parseEnvFile(readText('docker/sim.env'));
  const vars = composeVariables();
  const operator = { ...example, ...Object.fromEntries(Object.entries(OPERATOR_VALUES).filter(([k]) => vars.has(k) && !example[k])) };

  it('documents every variable it substitutes in docker/.env.example, and leaves the required secrets empty there', () => {
    const undocumented = [...vars.keys()].filter((k) => !(k in example));
    expect(undocumented).toEqual([]);
    // every required one that the example leaves empty is what an operator must fill in (no real secret committed)
    const toFill = [...vars].filter(([k, v]) => v.required && !example[k]).map(([k]) => k).sort();
    expect(toFill).toEqual(['ERP_BASE_URL', 'ERP_SECRET', 'INTERNAL_SERVICE_SECRET', 'POSTGRES_PASSWORD', 'REDIS_PASSWORD', 'SECRETS_KEY']);
    for (const k of toFill) expect(OPERATOR_VALUES[k]).toBeDefined();
  });

  it('refuses to start while a required secret is empty', () => {
    expect(() => composeModel(example)).toThrow(/required variable \w+ is missing/);
    const { SECRETS_KEY: _k, ...noKey } = operator;
    expect(() => composeModel(noKey)).toThrow(/SECRETS_KEY/);
  });

  it.each(APPS)('%s gets every variable its env class requires', (app) => {
    const model = composeModel(operator);
    const env: Env = { ...imageEnv(model.services[app].build.target), ...model.services[app].environment };
    checkApp(app, env);
  });

  it("sets order-sync's retention days to the env class defaults (above the floors)", () => {
    const model = composeModel(operator);
    checkRetention({ ...imageEnv(model.services['order-sync'].build.target), ...model.services['order-sync'].environment });
  });

  it.each(APPS)('%s in a trial run (profile sim, docker/sim.env) calls the simulators and is let through to them', (app) => {
    const model = composeModel({ ...operator, ...sim });
    expect(sim.COMPOSE_PROFILES.split(',')).toContain('sim');
    expect(model.services.sandbox.profiles).toEqual(['sim']);
    const env: Env = { ...imageEnv(model.services[app].build.target), ...model.services[app].environment };
    checkApp(app, env);
    const allowed = env.OUTBOUND_ALLOW_HOSTS.split(',');
    const simPorts = model.services.sandbox.ports.map((p: string) => p.split(':').pop());
    for (const k of ['PLATFORM_BASE_URL_DOUYIN', 'PLATFORM_BASE_URL_TAOBAO', 'PLATFORM_BASE_URL_XIAOHONGSHU', ...(app === 'order-sync' ? ['ERP_BASE_URL'] : [])]) {
      const url = new URL(env[k]);
      expect({ k, host: url.hostname }).toEqual({ k, host: 'sandbox' });
      expect(simPorts).toContain(url.port);
      expect(allowed).toContain(url.host);
    }
    // the ERP simulator checks the same secret order-sync signs with
    if (app === 'order-sync') expect(model.services.sandbox.environment.SANDBOX_ERP_SECRET).toBe(env.ERP_SECRET);
  });
});

describe.each(OVERLAYS)('%s environment', (overlay) => {
  const objects = kustomize(overlay);
  const isProd = overlay.endsWith('/prod');
  // prod's Secret is created out of band from secrets.env.example; dev's is rendered (secretGenerator)
  const prodSecret = (): Env => {
    const example = parseEnvFile(readText('k8s/overlays/prod/secrets.env.example'));
    const filled: Env = {};
    for (const [k, v] of Object.entries(example)) {
      if (v === '') continue;
      if (v === 'CHANGE_ME') {
        expect({ k, operatorValue: OPERATOR_VALUES[k] !== undefined }).toEqual({ k, operatorValue: true });
        filled[k] = OPERATOR_VALUES[k];
      } else filled[k] = v;
    }
    return filled;
  };
  const secretData = (name: string): Env | null => {
    if (isProd) return name === 'omnisync-secrets' ? prodSecret() : null;
    const s = objects.find((o) => o.kind === 'Secret' && o.metadata.name === name);
    return s ? secretValues(s) : null;
  };

  it.each(APPS)('%s gets every variable its env class requires', (app) => {
    const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === app) as K8sObject;
    expect(dep).toBeDefined();
    const { env, problems } = containerEnv(objects, dep.spec.template.spec.containers[0], secretData);
    expect(problems).toEqual([]);
    checkApp(app, env);
  });

  it("sets order-sync's retention days to the env class defaults (above the floors)", () => {
    const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'order-sync') as K8sObject;
    const { env } = containerEnv(objects, dep.spec.template.spec.containers[0], secretData);
    checkRetention(env);
  });

  it('every Secret key a workload or KEDA refers to exists', () => {
    const refs: string[] = [];
    for (const o of objects) {
      for (const c of o.spec?.template?.spec?.containers ?? [])
        for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef && !e.valueFrom.secretKeyRef.optional) refs.push(`${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
      if (o.kind === 'TriggerAuthentication') for (const r of o.spec.secretTargetRef) refs.push(`${r.name}/${r.key}`);
    }
    expect(refs.length).toBeGreaterThan(10);
    const absent = refs.filter((r) => {
      const [name, key] = r.split('/');
      return secretData(name)?.[key] === undefined;
    });
    expect(absent).toEqual([]);
  });
});
