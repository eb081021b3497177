import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createTestDatabase, testPrefix, type TestDatabase } from '@app/testing';
import { CORE_MIGRATIONS } from '@app/persistence';
import { bootstrapApp } from '../../src/main';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { MerchantsService } from '../../src/merchants/merchants.service';

describe('gateway app shell', () => {
  let db: TestDatabase;
  let started: Awaited<ReturnType<typeof bootstrapApp>>;
  let base: string;

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: CORE_MIGRATIONS });
    started = await bootstrapApp({
      env: {
        PORT: '0',
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DATABASE_URL: db.url,
        REDIS_URL: 'redis://127.0.0.1:6379',
        BULLMQ_PREFIX: testPrefix('gateway'),
        SECRETS_KEY: '0f'.repeat(32),
        SHUTDOWN_GRACE_MS: '2000',
      },
    });
    base = `http://127.0.0.1:${(started.app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await started?.app.close();
    await db?.drop();
  });

  it('answers /health/live with 200 and a request id', async () => {
    const res = await request(base).get('/health/live').set('x-request-id', 'req-e2e-1');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.headers['x-request-id']).toBe('req-e2e-1');
  });

  it('reports /health/ready from Postgres and Redis (down only for an evicting Redis)', async () => {
    const res = await request(base).get('/health/ready');
    expect(res.body.info?.database?.status ?? res.body.error?.database?.status).toBe('up');
    const redis = res.body.info?.redis ?? res.body.error?.redis;
    expect(redis).toBeDefined();
    // the shared server's policy decides the answer; the indicator logic itself is unit-tested
    expect(res.status).toBe(redis.maxmemoryPolicy === 'noeviction' ? 200 : 503);
  });

  it('serves /metrics with process metrics and the app metric set', async () => {
    const res = await request(base).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    for (const name of ['process_cpu_user_seconds_total', 'nodejs_heap_size_used_bytes', 'jobs_processed_total', 'job_duration_seconds', 'upstream_requests_total', 'circuit_breaker_open']) {
      expect(res.text).toContain(`# TYPE ${name} `);
    }
    expect(res.text).toMatch(/queue_depth\{queue="\{order-events\}",state="waiting"\} \d+/);
  });

  it('turns unknown routes into JSON errors without stack traces', async () => {
    const res = await request(base).get('/no-such-route');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    expect(JSON.stringify(res.body)).not.toMatch(/stack|at .*\.js/);
  });

  it('protects /ops/queues and the queue board with the API key', async () => {
    expect((await request(base).get('/ops/queues')).status).toBe(401);
    const board = await request(base).get('/ops/queues/board');
    expect(board.status).toBe(401);
    expect(board.headers['www-authenticate']).toMatch(/^Basic/);
    expect((await request(base).get('/ops/queues/board').set('Authorization', 'Bearer osk_nope_nope')).status).toBe(401);
  });

  it('lets ops keys (not merchandiser keys) read /ops/queues and open the board', async () => {
    const { merchant } = await started.app.get(MerchantsService).findOrCreateByName('e2e-merchant');
    const keys = started.app.get(ApiKeysService);
    const ops = (await keys.create(merchant.id, 'ops', ['ops'])).key;
    const merch = (await keys.create(merchant.id, 'merch', ['merchandiser'])).key;

    const list = await request(base).get('/ops/queues').set('Authorization', `Bearer ${ops}`);
    expect(list.status).toBe(200);
    expect(list.body.queues.map((q: { queue: string }) => q.queue)).toContain('{order-events}');
    expect(list.body.queues[0]).toEqual(
      expect.objectContaining({ waiting: 0, active: 0, delayed: 0, failed: 0, oldestWaitingAgeMs: null, completedPerMinute: 0 }),
    );
    expect((await request(base).get('/ops/queues').set('Authorization', `Bearer ${merch}`)).status).toBe(403);

    const basic = Buffer.from(`ops:${ops}`).toString('base64');
    const board = await request(base).get('/ops/queues/board').set('Authorization', `Basic ${basic}`);
    expect(board.status).toBe(200);
    expect(board.text).toMatch(/<html/i);
    expect((await request(base).get('/ops/queues/board').set('Authorization', `Bearer ${merch}`)).status).toBe(403);
  });

  it('serves the OpenAPI document at /docs with bearer auth', async () => {
    const res = await request(base).get('/docs-json');
    expect(res.status).toBe(200);
    expect(res.body.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});
