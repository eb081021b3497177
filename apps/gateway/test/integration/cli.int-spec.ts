import { execFile } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { createTestDatabase, type TestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { type GatewayHarness, buildGatewayHarness } from './auth.harness';

const ROOT = path.resolve(__dirname, '../../../..');

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['scripts/run-ts.js', 'apps/gateway/src/cli.ts', ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('gateway cli', () => {
  let db: TestDatabase;
  let empty: TestDatabase;
  let h: GatewayHarness;

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: ALL_MIGRATIONS });
    empty = await createTestDatabase({ migrations: [] });
    h = await buildGatewayHarness(db.url);
  });

  afterAll(async () => {
    await h?.close();
    await db?.drop();
    await empty?.drop();
  });

  it('create-admin-key prints, once, a key that works as admin of the named merchant', async () => {
    const first = await runCli(['create-admin-key', '--merchant', 'Cli Merchant'], { DATABASE_URL: db.url });
    expect(first.code).toBe(0);
    const key = first.stdout.trim();
    expect(key).toMatch(/^osk_[0-9a-f]{8}_[0-9a-f]{64}$/);
    expect(first.stderr).toMatch(/merchant "Cli Merchant" [0-9a-f-]{36} \(created\)/);
    expect(first.stderr).not.toContain(key.slice(13));

    const me = await request(h.app.getHttpServer()).get('/merchants/me').set('Authorization', `Bearer ${key}`).expect(200);
    expect(me.body.name).toBe('Cli Merchant');
    await request(h.app.getHttpServer())
      .post('/api-keys')
      .set('Authorization', `Bearer ${key}`)
      .send({ name: 'ops', roles: ['ops'] })
      .expect(201);

    const second = await runCli(['create-admin-key', '--merchant', 'Cli Merchant'], { DATABASE_URL: db.url });
    expect(second.code).toBe(0);
    expect(second.stderr).not.toMatch(/\(created\)/);
    const me2 = await request(h.app.getHttpServer()).get('/merchants/me').set('Authorization', `Bearer ${second.stdout.trim()}`).expect(200);
    expect(me2.body.id).toBe(me.body.id);
  });

  it('fails with one line asking to migrate when the tables are missing', async () => {
    const res = await runCli(['create-admin-key', '--merchant', 'X'], { DATABASE_URL: empty.url });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toEqual([expect.stringMatching(/core tables are missing .*: run npm run migrate$/)]);
  });

  it('fails with one line and the start command when Postgres is unreachable', async () => {
    const res = await runCli(['create-admin-key', '--merchant', 'X'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/omnisync' });
    expect(res.code).toBe(1);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/PostgreSQL is not reachable at 127\.0\.0\.1:1\/omnisync; start it with: pg_ctlcluster --skip-systemctl-redirect/);
  });

  it('exits 2 with usage when --merchant is missing', async () => {
    const res = await runCli(['create-admin-key'], { DATABASE_URL: db.url });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--merchant is required/);
  });

  it('add-shop registers an encrypted shop for the merchant', async () => {
    const res = await runCli(
      ['add-shop', '--merchant', 'Cli Merchant', '--platform', 'douyin', '--platform-shop-id', 'cli-1', '--name', 'CLI shop', '--app-key', 'ak', '--app-secret', 'cli-secret-XYZ'],
      { DATABASE_URL: db.url, SECRETS_KEY: h.secretsKeyHex },
    );
    expect(res.code).toBe(0);
    expect(`${res.stdout}${res.stderr}`).not.toContain('cli-secret-XYZ');
    const id = /shop ([0-9a-f-]{36}) registered/.exec(res.stdout)?.[1];
    expect(id).toBeDefined();
    const [row] = await db.dataSource.query(`SELECT s.platform_shop_id, m.name FROM core.shops s JOIN core.merchants m ON m.id = s.merchant_id WHERE s.id = $1`, [id]);
    expect(row).toEqual({ platform_shop_id: 'cli-1', name: 'Cli Merchant' });
  });
});
