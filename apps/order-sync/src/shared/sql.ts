import type { DataSource, EntityManager } from 'typeorm';

/**
 * Rows of a statement with RETURNING. TypeORM's postgres `query()` answers UPDATE/DELETE with
 * `[rows, rowCount]` but INSERT/SELECT with `rows`; this evens that out.
 */
export async function queryRows<T>(db: DataSource | EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const r: unknown = await db.query(sql, params);
  if (Array.isArray(r) && r.length === 2 && Array.isArray(r[0]) && typeof r[1] === 'number') return r[0] as T[];
  return r as T[];
}
