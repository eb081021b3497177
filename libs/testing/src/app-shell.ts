import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { Queue } from 'bullmq';
import type { QueueName } from '@app/contracts';
import { METRIC_NAMES, MetricsServer, strayDefaultRegistryMetrics } from '@app/observability';
import { QUEUE_EVENTS_MAX_LEN, jobOptionsFor } from '@app/queue';
import request from 'supertest';
import type { MixedList } from 'typeorm';
import { createTestDatabase, testPrefix, type TestDatabase } from './db';

export interface StartedShell {
  app: INestApplication;
}

/** INTERNAL_SERVICE_SECRET of the shells booted here (sign test calls to internal services with it) */
export const TEST_INTERNAL_SERVICE_SECRET = 'test-internal-service-secret-0123456789';

export interface AppShellContext<S extends StartedShell> {
  /** base URL of the running app */
  base(): string;
  /** base URL of its metrics listener (METRICS_PORT) */
  metricsBase(): string;
  started(): S;
}

/**
 * The checks every app shell must pass, booted the way main.ts boots it (validated env, random port, real
 * Postgres and Redis): /health/live, /health/ready, /metrics with the app metric set, JSON errors. `extra`
 * adds an app's own cases in the same describe block, with the running app.
 */
export function describeAppShell<S extends StartedShell>(
  name: string,
  bootstrapApp: (opts: { env: Record<string, string> }) => Promise<S>,
  opts: { migrations: MixedList<Function>; env?: Record<string, string> },
  extra?: (ctx: AppShellContext<S>) => void,
): void {
  describe(`${name} app shell`, () => {
    let db: TestDatabase;
    let started: S;
    let base: string;
    let metricsBase: string;

    beforeAll(async () => {
      db = await createTestDatabase({ migrations: opts.migrations });
      started = await bootstrapApp({
        env: {
          PORT: '0',
          NODE_ENV: 'test',
          LOG_LEVEL: 'warn',
          DATABASE_URL: db.url,
          REDIS_URL: 'redis://127.0.0.1:6379',
          BULLMQ_PREFIX: testPrefix(name),
          SECRETS_KEY: '0f'.repeat(32),
          INTERNAL_SERVICE_SECRET: TEST_INTERNAL_SERVICE_SECRET,
          METRICS_PORT: '0',
          SHUTDOWN_GRACE_MS: '2000',
          ...(opts.env ?? {}),
        },
      });
      base = `http://127.0.0.1:${(started.app.getHttpServer().address() as AddressInfo).port}`;
      metricsBase = `http://127.0.0.1:${started.app.get(MetricsServer).port()}`;
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

    it('serves /metrics on METRICS_PORT only, not on the API port', async () => {
      expect((await request(base).get('/metrics')).status).toBe(404);
      expect(metricsBase).not.toBe(base);
      expect((await request(metricsBase).get('/health/live')).status).toBe(404);
      const res = await request(metricsBase).get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/plain/);
      // the whole catalogue is declared (libs/observability/src/metrics/catalogue.ts), and the process metrics
      for (const metric of ['process_cpu_user_seconds_total', 'nodejs_heap_size_used_bytes', ...METRIC_NAMES]) {
        expect(res.text).toContain(`# TYPE ${metric} `);
      }
      // this process is the deployment's only one here: it holds the queue-metrics lease and exports the queues
      expect(res.text).toMatch(/omnisync_queue_depth\{queue="\{order-events\}",state="waiting"\} \d+/);
      // the oldest-job age KEDA scales the workers on (k8s/base/keda.yaml)
      expect(res.text).toMatch(/omnisync_queue_oldest_waiting_seconds\{queue="\{order-events\}"\} [\d.]+/);
      // the health calls above, by route template and status class
      expect(res.text).toMatch(new RegExp(`omnisync_http_request_duration_seconds_count\\{app="${name}",route="/health/live",method="GET",status_class="2xx"\\} [1-9]`));
    });

    it("registers nothing on prom-client's default registry (never served: one registry per process)", () => {
      expect(strayDefaultRegistryMetrics()).toEqual([]);
    });

    it('holds no BullMQ queue without its QUEUE_JOB_OPTIONS entry (jobOptionsFor) (bounded retention) and an error listener', () => {
      // every Queue instance in the app's container, whichever module registered it
      const queues: Queue[] = [];
      for (const mod of started.app.get(ModulesContainer).values()) {
        for (const w of mod.providers.values()) if (w.instance instanceof Queue) queues.push(w.instance);
      }
      console.log(`${name} queues: ${queues.map((q) => `${q.name} ${JSON.stringify(q.defaultJobOptions)}`).join('; ') || 'none'}`);
      for (const q of queues) {
        expect({ queue: q.name, options: q.defaultJobOptions }).toEqual({ queue: q.name, options: jobOptionsFor(q.name as QueueName) });
        // every Queue writes its events-stream cap into the queue's meta hash as it starts: all must agree
        expect({ queue: q.name, events: q.opts.streams?.events?.maxLen }).toEqual({ queue: q.name, events: QUEUE_EVENTS_MAX_LEN });
        expect(q.listenerCount('error')).toBeGreaterThan(0);
      }
    });

    it('turns unknown routes into JSON errors without stack traces', async () => {
      const res = await request(base).get('/no-such-route');
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      expect(JSON.stringify(res.body)).not.toMatch(/stack|at .*\.js/);
    });

    it('sends helmet security headers', async () => {
      const res = await request(base).get('/health/live');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['x-powered-by']).toBeUndefined();
    });

    describe('JSON bodies: 400/413 before any route, never 500', () => {
      const post = (body: string, type = 'application/json') =>
        request(base).post('/no-such-route').set('content-type', type).send(body);

      it('answers 400 for a body nested deeper than 64 levels (100,000 deep included)', async () => {
        for (const depth of [65, 100_000]) {
          const res = await post('['.repeat(depth) + ']'.repeat(depth));
          expect(res.status).toBe(400);
          expect(res.body).toMatchObject({ statusCode: 400, message: 'JSON body is nested deeper than 64 levels' });
        }
        const objects = '{"a":'.repeat(70) + '1' + '}'.repeat(70);
        expect((await post(objects)).status).toBe(400);
      });

      it('lets 64 levels through to routing (404 here), brackets inside strings not counted', async () => {
        expect((await post('['.repeat(64) + ']'.repeat(64))).status).toBe(404);
        expect((await post(JSON.stringify({ s: '['.repeat(500) + '\\"{' }))).status).toBe(404);
      });

      it('answers 413 for a body over HTTP_JSON_LIMIT_BYTES', async () => {
        const res = await post(JSON.stringify({ a: 'x'.repeat(1024 * 1024 + 10) }));
        expect(res.status).toBe(413);
        expect(res.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
      });

      it('answers 400 for malformed JSON', async () => {
        const res = await post('{"a": ');
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      });

      it.each([
        ['{"__proto__": {"admin": true}}', '__proto__'],
        ['{"a": [{"b": {"constructor": {"x": 1}}}]}', 'constructor'],
        ['{"prototype": 1}', 'prototype'],
        ['{"\\u005f_proto__": {"admin": true}}', '__proto__'],
      ])('answers 400 naming the field for %s', async (body, key) => {
        const res = await post(body);
        expect(res.status).toBe(400);
        expect(res.body.message).toBe(`property ${key} should not exist`);
      });

      it('lets the same words through as values', async () => {
        expect((await post('{"name": "constructor", "tags": ["__proto__", "prototype"]}')).status).toBe(404);
      });
    });

    extra?.({ base: () => base, metricsBase: () => metricsBase, started: () => started });
  });
}
