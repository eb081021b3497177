import axios from 'axios';
import { startOwnRedis, type OwnRedis } from '@app/testing/own-redis';
import { startE2eSystem, type E2eSystem } from './support/e2e-system';

/** this helper's spare port range is 24000-24999 */
const REDIS_PORT = 24012;
const APPS = ['gateway', 'order-sync', 'catalog-sync', 'coupon'] as const;

/** the raw lines of every process (output arrives in chunks) */
function lines(e2e: E2eSystem, from: Map<string, number>): { proc: string; line: string }[] {
  const out: { proc: string; line: string }[] = [];
  for (const [name, p] of e2e.sys.processes) {
    for (const line of p.output.slice(from.get(name) ?? 0).join('').split('\n')) if (line.trim() !== '') out.push({ proc: name, line });
  }
  return out;
}

/** a line of the apps' logger: JSON (production) or pino-pretty's `HH:MM:SS.mmm LEVEL app [Context] msg` */
const isLogLine = (line: string): boolean => {
  if (/^\d{2}:\d{2}:\d{2}\.\d{3} [A-Z]+ /.test(line)) return true;
  try {
    return typeof JSON.parse(line) === 'object';
  } catch {
    return false;
  }
};

/**
 * Every Redis client of every app has an error listener (issue 8 item 5): a Redis restart is reported in the
 * apps' JSON logs, never as "[ioredis] Unhandled error event" nor as BullMQ's console.error fallback, and
 * /health/ready comes back by itself. And while Redis is frozen, /health/ready of every app answers
 * "not ready" within a second (the health client's command timeout). Runs on a redis-server of its own.
 */
describe('Redis restarted and frozen under the whole system', () => {
  let redis: OwnRedis;
  let e2e: E2eSystem;

  beforeAll(async () => {
    redis = await startOwnRedis(REDIS_PORT);
    e2e = await startE2eSystem({ apps: APPS, redisUrl: redis.url });
  }, 120_000);

  afterAll(async () => {
    redis?.thaw();
    await e2e?.teardown();
    await redis?.stop();
  });

  const ready = async (app: (typeof APPS)[number]): Promise<{ status: number; ms: number }> => {
    const t0 = Date.now();
    const res = await axios.get(`${e2e.sys.urls[app]}/health/ready`, { timeout: 5000, validateStatus: () => true });
    return { status: res.status, ms: Date.now() - t0 };
  };
  const allReady = async (timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await Promise.all(APPS.map((a) => ready(a).catch(() => ({ status: 0, ms: 0 }))));
      if (s.every((x) => x.status === 200)) return;
      if (Date.now() > deadline) throw new Error(`not ready again: ${APPS.map((a, i) => `${a} ${s[i].status}`).join(', ')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  it('a Redis restart prints no unhandled error event in any app, and readiness comes back', async () => {
    await allReady(10_000);
    const from = new Map([...e2e.sys.processes].map(([name, p]) => [name, p.output.length]));
    // down for 3 s: every client sees the connection drop and several refused reconnects
    await redis.restart(3000);
    await allReady(30_000);
    await new Promise((r) => setTimeout(r, 2000));
    const out = lines(e2e, from);
    expect(out.filter((l) => /Unhandled error event/i.test(l.line))).toEqual([]);
    // whatever mentions the connection failure is one of the apps' log lines, never a raw console print (stack)
    const raw = out.filter((l) => /ECONNREFUSED|ECONNRESET|Connection is closed|connect ETIMEDOUT/.test(l.line) && !isLogLine(l.line));
    expect(raw).toEqual([]);
    const logged = out.filter((l) => isLogLine(l.line) && /redis connection error/.test(l.line)).map((l) => l.proc);
    console.log(`redis restart: "redis connection error" lines per process: ${JSON.stringify(Object.fromEntries(APPS.map((a) => [a, logged.filter((p) => p === a).length])))}`);
    expect(new Set(logged).size).toBe(APPS.length);
  }, 90_000);

  it('/health/ready answers 503 within a second in every app while Redis is frozen', async () => {
    await allReady(10_000);
    redis.freeze();
    try {
      const answers = await Promise.all(APPS.map((a) => ready(a)));
      console.log(`redis frozen: /health/ready ${APPS.map((a, i) => `${a} ${answers[i].status} in ${answers[i].ms} ms`).join(', ')}`);
      for (const a of answers) {
        expect(a.status).toBe(503);
        expect(a.ms).toBeLessThan(1000);
      }
    } finally {
      redis.thaw();
    }
    await allReady(30_000);
  }, 60_000);
});
