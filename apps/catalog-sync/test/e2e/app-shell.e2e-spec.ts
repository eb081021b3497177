import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createTestDatabase, testPrefix, type TestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { bootstrapApp } from '../../src/main';

describe('catalog-sync app shell', () => {
  let db: TestDatabase;
  let started: Awaited<ReturnType<typeof bootstrapApp>>;
  let base: string;

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: ALL_MIGRATIONS });
    started = await bootstrapApp({
      env: {
        PORT: '0',
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DATABASE_URL: db.url,
        REDIS_URL: 'redis://127.0.0.1:6379',
        BULLMQ_PREFIX: testPrefix('catalog-sync'),
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
});
