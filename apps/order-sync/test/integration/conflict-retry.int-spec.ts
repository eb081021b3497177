import { createTestDatabase, type TestDatabase } from '@app/testing';
import { isTransientConflict, retryOnConflict } from '../../src/shared/sql';

/** A real deadlock on the real Postgres: the victim's transaction is run again and then succeeds. */
describe('retryOnConflict (real Postgres deadlock)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrations: [] });
    await db.dataSource.query(`CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)`);
  });
  afterAll(() => db.drop());
  beforeEach(() => db.dataSource.query(`TRUNCATE t; INSERT INTO t VALUES (1, 0), (2, 0)`));

  /** `other` holds row 1, then (once the victim holds row 2 and waits for row 1) asks for row 2 */
  async function deadlockWith(victim: (attempt: number) => Promise<void>): Promise<void> {
    const other = db.dataSource.createQueryRunner();
    await other.connect();
    try {
      await other.startTransaction();
      await other.query(`UPDATE t SET v = v + 1 WHERE id = 1`);
      const run = victim(0);
      // wait until the victim is blocked on row 1, then close the cycle; Postgres aborts the waiter that checks first (the victim)
      for (let i = 0; i < 100; i++) {
        const [w] = await db.dataSource.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`);
        if (w.n > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const closing = other.query(`UPDATE t SET v = v + 10 WHERE id = 2`).then(() => other.commitTransaction());
      await Promise.allSettled([run, closing]);
      await run;
    } finally {
      await other.release();
    }
  }

  it('runs the deadlock victim again, which then commits', async () => {
    let attempts = 0;
    await deadlockWith(() =>
      retryOnConflict(() =>
        db.dataSource.transaction(async (em) => {
          attempts += 1;
          await em.query(`UPDATE t SET v = v + 100 WHERE id = 2`);
          await em.query(`UPDATE t SET v = v + 100 WHERE id = 1`);
        }),
      ),
    );
    expect(attempts).toBe(2);
    const rows: { id: number; v: number }[] = await db.dataSource.query(`SELECT id, v FROM t ORDER BY id`);
    expect(rows).toEqual([{ id: 1, v: 101 }, { id: 2, v: 110 }]);
  });

  it('without retries the victim fails with a deadlock (40P01), and other errors are never retried', async () => {
    let caught: unknown;
    await deadlockWith(() =>
      retryOnConflict(
        () =>
          db.dataSource.transaction(async (em) => {
            await em.query(`UPDATE t SET v = v + 100 WHERE id = 2`);
            await em.query(`UPDATE t SET v = v + 100 WHERE id = 1`);
          }),
        1,
      ).catch((e: unknown) => {
        caught = e;
      }),
    );
    expect(isTransientConflict(caught)).toBe(true);

    let calls = 0;
    await expect(
      retryOnConflict(async () => {
        calls += 1;
        await db.dataSource.query(`INSERT INTO t VALUES (1, 0)`); // 23505 unique violation
      }),
    ).rejects.toMatchObject({ driverError: { code: '23505' } });
    expect(calls).toBe(1);
  });
});
