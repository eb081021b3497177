import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { ROLES, type Role } from '@app/contracts';
import { CORE_MIGRATIONS } from '@app/persistence';
import { startWecomRobotSimulator, type RobotSimulator } from '@app/sandbox';
import { createTestDatabase, testPrefix, type TestDatabase } from '@app/testing';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { bootstrapApp } from '../../src/main';
import { MerchantsService } from '../../src/merchants/merchants.service';

/**
 * Every route x role x own/foreign id, generated from the gateway's OpenAPI document (/docs-json).
 *
 * A route in the document that is missing from ROUTES fails the test: a new route must be classified here
 * (who may call it, what its path parameters are) before it can ship. For every classified route:
 *   - without a key: 401 (public routes: never the API's 401);
 *   - with a key of each role that is not allowed: 403; with each allowed role: neither 401 nor 403;
 *   - every path parameter filled with another merchant's id of that kind: 404, and that merchant's
 *     resource is unchanged; with the caller's own id: 2xx.
 * The catalog API (/products, /skus, ...) is proxied to catalog-sync outside Nest and is not in this
 * document; catalog-sync checks its roles itself.
 */

/** what a path parameter names: a merchant's resource (a foreign one can be made), or a platform name (nobody's) */
/**
 * 'orderSyncId' / 'exceptionKey' / 'couponCampaignId': an id of a resource an internal service owns (an order; an
 * exception of order-sync's; a coupon campaign of the coupon service's). This matrix runs the gateway alone, so the forwarded call ends as 503; their cross-merchant
 * 404s are the services' own tests (apps/order-sync/test/integration/order-trace.int-spec.ts, exceptions.int-spec.ts,
 * apps/catalog-sync/test/integration/exceptions.int-spec.ts, apps/coupon/test/integration/campaigns.int-spec.ts).
 */
type ParamKind = 'apiKey' | 'shop' | 'alertChannel' | 'alertSilence' | 'platform' | 'asset' | 'orderSyncId' | 'exceptionKey' | 'operatorChannel' | 'couponCampaignId';
/** 'operatorChannel': an id on an operator route, which refuses every merchant key (403) before any lookup */
type ForwardedKind = 'orderSyncId' | 'exceptionKey' | 'operatorChannel' | 'couponCampaignId';
type OwnedKind = Exclude<ParamKind, 'platform' | 'asset' | ForwardedKind>;
/** a name of nobody's (a platform, a file of the ops page): nothing to take from another merchant */
const NOBODYS: Partial<Record<ParamKind, string>> = { platform: 'douyin', asset: 'ops.js' };
const isNobodys = (k: ParamKind): k is 'platform' | 'asset' => k in NOBODYS;
const FORWARDED: Record<ForwardedKind, { own: string; foreign: string }> = {
  orderSyncId: { own: '00000000-0000-4000-8000-0000000000a1', foreign: '00000000-0000-4000-8000-0000000000b1' },
  exceptionKey: { own: 'erp_rejected:1:1', foreign: 'erp_rejected:2:1' },
  operatorChannel: { own: '00000000-0000-4000-8000-0000000000c1', foreign: '00000000-0000-4000-8000-0000000000c2' },
  couponCampaignId: { own: '00000000-0000-4000-8000-0000000000e1', foreign: '00000000-0000-4000-8000-0000000000f1' },
};
const isForwarded = (k: ParamKind): k is ForwardedKind => k in FORWARDED;

interface RouteRule {
  /** roles that may call it; 'public' = no API key (platform pushes, health) */
  roles: readonly Role[] | 'public';
  /** what each path parameter names, so a foreign one can be made */
  params?: Record<string, ParamKind>;
  /** a valid body, so that validation does not answer before the ownership check */
  body?: Record<string, unknown>;
}

const ANY: readonly Role[] = ROLES;

const shopBody = (tag: string) => ({
  platform: 'douyin',
  platformShopId: `matrix-${tag}-${Math.random().toString(36).slice(2, 10)}`,
  name: `shop ${tag}`,
  appKey: `ak-${tag}-${Math.random().toString(36).slice(2, 8)}`,
  appSecret: 'matrix-app-secret',
});

/** bodies that need what exists only once the test runs (the robot simulator's URL, merchant A's id) */
const alertChannelBody: Record<string, unknown> = { kind: 'wecom', name: 'matrix robot', url: 'set in beforeAll' };
const silenceBody: Record<string, unknown> = { key: 'set in beforeAll', durationSec: 600 };

/** THE table. Keep it in step with the controllers: the test fails on any route it does not list. */
const ROUTES: Record<string, RouteRule> = {
  'GET /health/live': { roles: 'public' },
  'GET /health/ready': { roles: 'public' },
  'POST /webhooks/{platform}': { roles: 'public', params: { platform: 'platform' } },

  // the ops page: static files without data; its fetches carry the key (the data routes below)
  'GET /': { roles: 'public' },
  'GET /ops': { roles: 'public' },
  'GET /ops/assets/{file}': { roles: 'public', params: { file: 'asset' } },

  'GET /merchants/me': { roles: ANY },

  'POST /api-keys': { roles: ['admin'], body: { name: 'matrix', roles: ['ops'] } },
  'GET /api-keys': { roles: ['admin'] },
  'DELETE /api-keys/{id}': { roles: ['admin'], params: { id: 'apiKey' } },

  'POST /shops': { roles: ['admin'], body: shopBody('create') },
  'GET /shops': { roles: ['admin', 'ops', 'merchandiser'] },
  'GET /shops/{id}': { roles: ['admin', 'ops', 'merchandiser'], params: { id: 'shop' } },
  'PATCH /shops/{id}': { roles: ['admin'], params: { id: 'shop' }, body: { name: 'renamed by matrix' } },
  'DELETE /shops/{id}': { roles: ['admin'], params: { id: 'shop' } },

  // a merchant's own (self-developed) platform apps; onboarding through the platform's OAuth
  'POST /platform-apps': { roles: ['admin'], body: { platform: 'taobao', appKey: 'matrix-own-app', appSecret: 'matrix-own-secret' } },
  'GET /platform-apps': { roles: ['admin', 'ops'] },
  'POST /shops/authorize': { roles: ['admin'], body: { platform: 'douyin' } },
  // the platform redirects the merchant's browser here: the single-use state is the proof, not a key
  'GET /shops/oauth/callback/{platform}': { roles: 'public', params: { platform: 'platform' } },

  // the merchant's own ERP connection (there is no id to guess: always the caller's)
  'GET /erp-connection': { roles: ['admin'] },
  'PUT /erp-connection': { roles: ['admin'], body: { connector: 'pull' } },
  'POST /erp-connection/test': { roles: ['admin'], body: {} },

  'GET /audit-log': { roles: ['admin'] },

  // the platform operator's console: the operator token only, which no merchant key of any role can be
  'GET /operator/queues': { roles: [] },
  'GET /operator/merchants': { roles: [] },

  // alerts: channels are the merchant admin's; alerts and silences ops' and admin's (the operator token too)
  'POST /alert-channels': { roles: ['admin'], body: alertChannelBody },
  'GET /alert-channels': { roles: ['admin'] },
  'DELETE /alert-channels/{id}': { roles: ['admin'], params: { id: 'alertChannel' } },
  'POST /alert-channels/{id}/test': { roles: ['admin'], params: { id: 'alertChannel' } },
  'POST /operator/alert-channels': { roles: [], body: alertChannelBody },
  'GET /operator/alert-channels': { roles: [] },
  'DELETE /operator/alert-channels/{id}': { roles: [], params: { id: 'operatorChannel' } },
  'POST /operator/alert-channels/{id}/test': { roles: [], params: { id: 'operatorChannel' } },
  'GET /alerts': { roles: ['ops', 'admin'] },
  'GET /alerts/rules': { roles: ['ops', 'admin'] },
  'POST /alert-silences': { roles: ['ops', 'admin'], body: silenceBody },
  'GET /alert-silences': { roles: ['ops', 'admin'] },
  'DELETE /alert-silences/{id}': { roles: ['ops', 'admin'], params: { id: 'alertSilence' } },

  'GET /ops/queues': { roles: ['ops', 'admin'] },
  'GET /ops/sla': { roles: ['ops', 'admin'] },
  'GET /ops/throughput': { roles: ['ops', 'admin'] },
  'GET /ops/breakers': { roles: ['ops', 'admin'] },
  'GET /retention-settings': { roles: ['admin'] },
  'PATCH /retention-settings': { roles: ['admin'], body: { inboxDays: 14 } },
  'POST /ops/outbox/retry': { roles: ['ops', 'admin'], body: { ids: ['1'] } },
  'GET /orders/trace': { roles: ['ops', 'admin'] },
  'GET /orders/{id}/trace': { roles: ['ops', 'admin'], params: { id: 'orderSyncId' } },
  // the exception inbox: merged from the gateway's shops and the services (which answer 503 here)
  'GET /exceptions': { roles: ['ops', 'admin'] },
  'POST /exceptions/{key}/resolve': { roles: ['ops', 'admin'], params: { key: 'exceptionKey' }, body: {} },
  'POST /exceptions/{key}/retry': { roles: ['ops', 'admin'], params: { key: 'exceptionKey' } },

  // buyer data: erp keys only (every read audited)
  'GET /erp/orders': { roles: ['erp'] },
  'POST /erp/orders/ack': { roles: ['erp', 'admin'], body: { cursor: '1-1' } },
  'POST /erp/shipments': { roles: ['erp', 'admin'], body: { shipments: [] } },
  'GET /erp/shipments': { roles: ['erp', 'admin', 'ops'] },

  // coupon campaigns, forwarded to the coupon service (503 here): merchandiser / admin manage, ops reads
  'POST /coupon-campaigns': { roles: ['merchandiser', 'admin'], body: { name: 'matrix' } },
  'GET /coupon-campaigns': { roles: ['merchandiser', 'admin', 'ops'] },
  'GET /coupon-campaigns/{id}': { roles: ['merchandiser', 'admin', 'ops'], params: { id: 'couponCampaignId' } },
  'PATCH /coupon-campaigns/{id}': { roles: ['merchandiser', 'admin'], params: { id: 'couponCampaignId' }, body: { budgetFen: 1 } },
  'POST /coupon-campaigns/{id}/start': { roles: ['merchandiser', 'admin'], params: { id: 'couponCampaignId' } },
  'POST /coupon-campaigns/{id}/stop': { roles: ['merchandiser', 'admin'], params: { id: 'couponCampaignId' } },
};

interface Route {
  method: string;
  path: string;
  id: string;
  rule: RouteRule;
}

describe('every route x role x own/foreign id, from the OpenAPI document', () => {
  let db: TestDatabase;
  let started: Awaited<ReturnType<typeof bootstrapApp>>;
  let base: string;
  let documented: string[];
  /** merchant A: one key per role; merchant B: an admin key */
  const keysA = {} as Record<Role, string>;
  let merchantA: string;
  let merchantB: string;
  let adminB: string;
  let robot: RobotSimulator;

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: CORE_MIGRATIONS });
    robot = await startWecomRobotSimulator({ robots: { matrix: { secret: null } } });
    alertChannelBody.url = robot.webhookUrl('matrix');
    started = await bootstrapApp({
      env: {
        PORT: '0',
        NODE_ENV: 'test',
        LOG_LEVEL: 'error',
        DATABASE_URL: db.url,
        REDIS_URL: 'redis://127.0.0.1:6379',
        BULLMQ_PREFIX: testPrefix('gw-matrix'),
        SECRETS_KEY: '0f'.repeat(32),
        INTERNAL_SERVICE_SECRET: 'internal-service-secret-of-this-test-0123456789',
        SHUTDOWN_GRACE_MS: '2000',
        RATE_LIMIT_ENABLED: 'false',
        // forwarded routes: nothing listens here, an allowed call ends as 503, never at another merchant
        ORDER_SYNC_URL: 'http://127.0.0.1:1',
        COUPON_SERVICE_URL: 'http://127.0.0.1:1',
        UPSTREAM_TIMEOUT_MS: '500',
        // alert channels: the robot simulator is the operator's allowance; no evaluation loop in this test
        OUTBOUND_ALLOW_HOSTS: `127.0.0.1:${robot.port}`,
        ALERTS_ENABLED: 'false',
      },
    });
    base = `http://127.0.0.1:${(started.app.getHttpServer().address() as AddressInfo).port}`;
    const merchants = started.app.get(MerchantsService);
    const apiKeys = started.app.get(ApiKeysService);
    merchantA = (await merchants.findOrCreateByName('Matrix A')).merchant.id;
    merchantB = (await merchants.findOrCreateByName('Matrix B')).merchant.id;
    for (const role of ROLES) keysA[role] = (await apiKeys.create(merchantA, `A ${role}`, [role])).key;
    adminB = (await apiKeys.create(merchantB, 'B admin', ['admin'])).key;
    silenceBody.key = `${merchantA}:sla_breach:douyin`;
    const doc = (await request(base).get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
  });

  afterAll(async () => {
    await robot?.close();
    await started?.app.close();
    await db?.drop();
  });

  /** A resource of this kind owned by the given merchant (B through its admin key, A through A's). */
  async function make(kind: OwnedKind, owner: 'A' | 'B'): Promise<{ id: string; unchanged(): Promise<void> }> {
    const adminKey = owner === 'A' ? keysA.admin : adminB;
    const merchantId = owner === 'A' ? merchantA : merchantB;
    if (kind === 'apiKey') {
      const { apiKey } = await started.app.get(ApiKeysService).create(merchantId, `victim of ${owner}`, ['ops']);
      return {
        id: apiKey.id,
        unchanged: async () => {
          const [row] = await db.dataSource.query(`SELECT revoked_at, merchant_id FROM core.api_keys WHERE id = $1`, [apiKey.id]);
          expect(row).toEqual({ revoked_at: null, merchant_id: merchantId });
        },
      };
    }
    if (kind === 'alertChannel' || kind === 'alertSilence') {
      const path = kind === 'alertChannel' ? '/alert-channels' : '/alert-silences';
      const body = kind === 'alertChannel' ? alertChannelBody : { key: `${merchantId}:sla_breach:douyin`, durationSec: 600 };
      const made = await request(base).post(path).set('Authorization', `Bearer ${adminKey}`).send(body).expect(201);
      const table = kind === 'alertChannel' ? 'core.alert_channels' : 'core.alert_silences';
      return {
        id: made.body.id,
        unchanged: async () => {
          const [row] = await db.dataSource.query(`SELECT merchant_id FROM ${table} WHERE id = $1`, [made.body.id]);
          expect(row).toEqual({ merchant_id: merchantId });
        },
      };
    }
    const created = await request(base).post('/shops').set('Authorization', `Bearer ${adminKey}`).send(shopBody(owner)).expect(201);
    return {
      id: created.body.id,
      unchanged: async () => {
        const now = await request(base).get(`/shops/${created.body.id}`).set('Authorization', `Bearer ${adminKey}`).expect(200);
        expect({ name: now.body.name, status: now.body.status }).toEqual({ name: created.body.name, status: created.body.status });
      },
    };
  }

  function call(route: Route, key: string | undefined, params: Record<string, string> = {}) {
    const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => params[name] ?? '00000000-0000-4000-8000-000000000000');
    const req = request(base)[route.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete'](path);
    if (key) req.set('Authorization', `Bearer ${key}`);
    if (route.rule.body) req.send(route.rule.body);
    return req;
  }

  const routes = (): Route[] =>
    documented.map((id) => {
      const [method, path] = id.split(' ');
      return { method, path, id, rule: ROUTES[id] };
    });

  it('lists every documented route in the expectation table (classify new routes in ROUTES)', () => {
    const unclassified = documented.filter((id) => !(id in ROUTES));
    const stale = Object.keys(ROUTES).filter((id) => !documented.includes(id));
    expect({ unclassified, stale }).toEqual({ unclassified: [], stale: [] });
    // and every path parameter of every documented route has a kind the test can make a foreign one of
    for (const r of routes()) {
      const names = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect({ route: r.id, params: names.filter((n) => !r.rule.params?.[n]) }).toEqual({ route: r.id, params: [] });
    }
  });

  it('answers 401 without a key on every non-public route, and never the API 401 on public ones', async () => {
    const failures: string[] = [];
    for (const r of routes().filter((x) => x.rule)) {
      const res = await call(r, undefined);
      if (r.rule.roles === 'public') {
        if (res.status === 401 && /missing API key/.test(JSON.stringify(res.body))) failures.push(`${r.id}: API 401 on a public route`);
      } else if (res.status !== 401) failures.push(`${r.id}: ${res.status} without a key`);
    }
    expect(failures).toEqual([]);
  });

  it('answers 403 to every role lacking permission, and lets every allowed role through the guard', async () => {
    const failures: string[] = [];
    for (const r of routes().filter((x) => x.rule && x.rule.roles !== 'public')) {
      const allowed = r.rule.roles as readonly Role[];
      for (const role of ROLES) {
        const own = r.rule.params ? await ownParams(r) : {};
        const res = await call(r, keysA[role], own);
        if (!allowed.includes(role) && res.status !== 403) failures.push(`${r.id} as ${role}: ${res.status}, expected 403`);
        if (allowed.includes(role) && (res.status === 403 || res.status === 401)) failures.push(`${r.id} as ${role}: ${res.status}, expected allowed`);
      }
    }
    expect(failures).toEqual([]);
  });

  async function ownParams(r: Route): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [name, kind] of Object.entries(r.rule.params ?? {})) {
      out[name] = isNobodys(kind) ? NOBODYS[kind]! : isForwarded(kind) ? FORWARDED[kind].own : (await make(kind, 'A')).id;
    }
    return out;
  }

  it("answers 404 with another merchant's id in every path parameter, changing nothing of theirs; 2xx with its own", async () => {
    const failures: string[] = [];
    // routes naming a merchant's resource the gateway holds (a platform name is nobody's: nothing to take from
    // another merchant; order-sync's ids are checked by order-sync)
    for (const r of routes().filter((x) => Object.values(x.rule?.params ?? {}).some((k) => !isNobodys(k) && !isForwarded(k)))) {
      const role = (r.rule.roles as readonly Role[])[0];
      const foreign: Record<string, string> = {};
      const checks: Array<() => Promise<void>> = [];
      for (const [name, kind] of Object.entries(r.rule.params!)) {
        if (isNobodys(kind) || isForwarded(kind)) {
          foreign[name] = isNobodys(kind) ? NOBODYS[kind]! : FORWARDED[kind as ForwardedKind].foreign;
          continue;
        }
        const made = await make(kind, 'B');
        foreign[name] = made.id;
        checks.push(made.unchanged);
      }
      const res = await call(r, keysA[role], foreign);
      if (res.status !== 404) failures.push(`${r.id} as ${role} with B's ids: ${res.status}, expected 404`);
      if (JSON.stringify(res.body).includes('shop B')) failures.push(`${r.id}: B's data in the answer`);
      for (const check of checks) await check();

      const mine = await call(r, keysA[role], await ownParams(r));
      if (mine.status < 200 || mine.status >= 300) failures.push(`${r.id} as ${role} with its own ids: ${mine.status}, expected 2xx`);
    }
    expect(failures).toEqual([]);
  });
});
