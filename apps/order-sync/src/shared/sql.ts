import type { DataSource, EntityManager } from 'typeorm';
import { rowsOf } from '@app/persistence';

/**
 * Rows of a statement with RETURNING. TypeORM's postgres `query()` answers UPDATE/DELETE with
 * `[rows, rowCount]` but INSERT/SELECT with `rows`; this evens that out.
 */
export async function queryRows<T>(db: DataSource | EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  return rowsOf<T>(await db.query(sql, params));
}

/** Postgres chose this transaction as a deadlock victim (40P01) or could not serialise it (40001) */
export function isTransientConflict(e: unknown): boolean {
  const err = e as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = err?.code ?? err?.driverError?.code;
  return code === '40P01' || code === '40001';
}

/** a unique index refused the row (23505): with `insertRace`, another transaction inserted the same new row first */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: unknown; driverError?: { code?: unknown } } | null;
  return (err?.code ?? err?.driverError?.code) === '23505';
}

/**
 * `insertRace`: also run it again when two transactions inserted the same new row at once (the loser's second
 * run finds the row and updates it instead).
 *
 * Runs `work` (a whole transaction or one statement) again at once when Postgres aborted it as a deadlock
 * victim: the writers of order rows lock them in one order, so this is a safety net, not the plan; without
 * it a victim would wait for the job queue's backoff.
 */
export async function retryOnConflict<T>(work: () => Promise<T>, attempts = 3, opts: { insertRace?: boolean } = {}): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (e) {
      if (i >= attempts || !(isTransientConflict(e) || (opts.insertRace === true && isUniqueViolation(e)))) throw e;
    }
  }
}
