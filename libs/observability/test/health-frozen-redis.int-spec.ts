import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { startOwnRedis, type OwnRedis } from '@app/testing/own-redis';
import { HealthModule } from '../src/health/health.module';

/** this helper's spare port range is 24000-24999 */
const PORT = 24011;

/**
 * A frozen Redis (SIGSTOP: TCP up, nothing answered) must make /health/ready answer "not ready" within a
 * second — an orchestrator's probe that gets no answer at all cannot take the pod out of service in time.
 */
describe('/health/ready with Redis frozen', () => {
  let redis: OwnRedis;
  let app: INestApplication;

  beforeAll(async () => {
    redis = await startOwnRedis(PORT);
    const moduleRef = await Test.createTestingModule({ imports: [HealthModule.forRoot({ redis: redis.url, database: false })] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    redis?.thaw();
    await app?.close();
    await redis?.stop();
  });

  it('answers 503 within a second while Redis is frozen, and 200 again once it thaws', async () => {
    const ready = async (): Promise<{ status: number; ms: number; body: { error?: { redis?: { message?: string } } } }> => {
      const t0 = Date.now();
      const res = await request(app.getHttpServer()).get('/health/ready').timeout(5000);
      return { status: res.status, ms: Date.now() - t0, body: res.body };
    };
    // connected and answering first
    for (let i = 0; i < 50 && (await ready()).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await ready()).status).toBe(200);

    redis.freeze();
    try {
      for (let i = 0; i < 3; i++) {
        const r = await ready();
        expect(r.status).toBe(503);
        expect(r.ms).toBeLessThan(1000);
        expect(r.body.error?.redis?.message).toMatch(/timed out/i);
      }
    } finally {
      redis.thaw();
    }
    let back = await ready();
    for (let i = 0; i < 50 && back.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      back = await ready();
    }
    expect(back.status).toBe(200);
  });
});
