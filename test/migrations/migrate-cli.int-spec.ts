import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { ALL_MIGRATIONS } from '../../scripts/migrations';

const ROOT = path.resolve(__dirname, '../..');
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

function migrate(args: string[], databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['scripts/run-ts.js', 'scripts/migrate.ts', ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run migrate', () => {
  const name = `omnisync_t_mig_${randomBytes(4).toString('hex')}`;
  const url = `postgres://postgres@127.0.0.1:5432/${name}`;
  const admin = new DataSource({ type: 'postgres', url: ADMIN_URL });

  beforeAll(() => admin.initialize());
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.destroy();
  });

  const executed = async (): Promise<number> => {
    const ds = new DataSource({ type: 'postgres', url });
    await ds.initialize();
    try {
      return (await ds.query(`SELECT count(*)::int AS n FROM typeorm_migrations`))[0].n;
    } finally {
      await ds.destroy();
    }
  };

  it('creates the database, applies every migration, is idempotent, and reverts', async () => {
    const up = await migrate([], url);
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/applied CreateCoreSchema\d+/);
    expect(await executed()).toBe(ALL_MIGRATIONS.length);

    const again = await migrate([], url);
    expect(again.stdout).toMatch(/is up to date/);

    const one = await migrate(['--revert'], url);
    expect(one.stdout).toMatch(/reverted 1 migration/);
    expect(await executed()).toBe(ALL_MIGRATIONS.length - 1);

    const all = await migrate(['--revert', '--all'], url);
    expect(all.code).toBe(0);
    expect(await executed()).toBe(0);
  });

  it('prints one line with the start command when Postgres is unreachable', async () => {
    const res = await migrate([], 'postgres://postgres@127.0.0.1:1/omnisync');
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toEqual([
      'migrate: PostgreSQL is not reachable at 127.0.0.1:1/omnisync; start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    ]);
  });
});
