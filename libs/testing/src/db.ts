import { randomBytes } from 'node:crypto';
import { DataSource, type MixedList } from 'typeorm';
import { buildDataSourceOptions } from '@app/persistence';

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  dataSource: DataSource;
  drop(): Promise<void>;
}

/**
 * A throwaway database on the real Postgres server, with the given migrations applied (never
 * `synchronize`). Each call gets its own database, dropped by `drop()`.
 */
export async function createTestDatabase(opts: { migrations: MixedList<Function>; entities?: MixedList<Function> }): Promise<TestDatabase> {
  const name = `omnisync_t_${randomBytes(5).toString('hex')}`;
  const admin = new DataSource({ type: 'postgres', url: ADMIN_URL });
  await admin.initialize();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.destroy();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const dataSource = new DataSource(
    buildDataSourceOptions({ url: url.toString(), migrations: opts.migrations, entities: opts.entities ?? [], poolSize: 5 }),
  );
  await dataSource.initialize();
  await dataSource.runMigrations();
  return {
    url: url.toString(),
    dataSource,
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
      const a = new DataSource({ type: 'postgres', url: ADMIN_URL });
      await a.initialize();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.destroy();
    },
  };
}

/** A unique BullMQ / Redis key prefix per test, so parallel tests never see each other's keys. */
export function testPrefix(label = 't'): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}
