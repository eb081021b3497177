import type { EntityManager } from 'typeorm';

/**
 * An EntityManager for repository fakes' transactions: it runs no SQL. The statements a service still issues
 * through helpers that take the manager (recordRefusals) are recorded in `queries`, answering no rows.
 */
export class FakeEntityManager {
  readonly queries: { sql: string; params: unknown[] }[] = [];

  async query(sql: string, params: unknown[] = []): Promise<unknown[]> {
    this.queries.push({ sql, params });
    return [];
  }

  /** the recorded statements that touch `table` */
  on(table: string): { sql: string; params: unknown[] }[] {
    return this.queries.filter((q) => q.sql.includes(table));
  }

  asManager(): EntityManager {
    return this as unknown as EntityManager;
  }
}
