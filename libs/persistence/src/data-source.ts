import { DataSource, type DataSourceOptions, type MixedList } from 'typeorm';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/omnisync';

export interface DataSourceParams {
  url: string;
  entities?: MixedList<Function | string>;
  migrations?: MixedList<Function | string>;
  poolSize?: number;
  applicationName?: string;
}

/** TypeORM options shared by every app. `synchronize` is never on: schema changes are migrations. */
export function buildDataSourceOptions(p: DataSourceParams): DataSourceOptions {
  return {
    type: 'postgres',
    url: p.url,
    entities: p.entities ?? [],
    migrations: p.migrations ?? [],
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error'],
    extra: { max: p.poolSize ?? 10, application_name: p.applicationName ?? 'omnisync' },
  };
}

/** Creates the database named in `url` if it does not exist (connects to the `postgres` db to do so). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`DATABASE_URL: database name "${name}" must be [A-Za-z0-9_]`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const ds = new DataSource({ type: 'postgres', url: admin.toString(), synchronize: false });
  await ds.initialize();
  try {
    const rows = await ds.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rows.length === 0) await ds.query(`CREATE DATABASE "${name}"`);
  } catch (e) {
    // two processes racing to create it: the loser sees a duplicate
    if (!/already exists/.test(String(e))) throw e;
  } finally {
    await ds.destroy();
  }
}
