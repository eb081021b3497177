import { platformRegistry } from '@app/platforms';
import { createTestDatabase, type TestDatabase } from '@app/testing';
import { CORE_MIGRATIONS, syncPlatformsTable } from '../../src/migrations';

describe('core.platforms (issue 9: the platform CHECKs became a reference to the registry)', () => {
  let db: TestDatabase;
  let merchantId: string;
  beforeAll(async () => {
    db = await createTestDatabase({ migrations: CORE_MIGRATIONS });
    [{ id: merchantId }] = await db.dataSource.query(`INSERT INTO core.merchants (name) VALUES ('m-platforms') RETURNING id`);
  });
  afterAll(async () => {
    await db.drop();
  });

  const addShop = (platform: string, shopId: string) =>
    db.dataSource.query(
      `INSERT INTO core.shops (merchant_id, platform, platform_shop_id, name, app_key, credentials) VALUES ($1, $2, $3, 'n', 'k', '\\x00')`,
      [merchantId, platform, shopId],
    );

  it('holds exactly the registry names after migrating', async () => {
    const rows: { name: string }[] = await db.dataSource.query(`SELECT name FROM core.platforms ORDER BY name`);
    expect(rows.map((r) => r.name)).toEqual([...platformRegistry.names()].sort());
  });

  it('rejects a shop on an unknown platform, accepts a registered one', async () => {
    await expect(addShop('nosuchplatform', 's-1')).rejects.toThrow(/fk_shops_platform/);
    await addShop('douyin', 's-2');
    expect((await db.dataSource.query(`SELECT count(*)::int AS n FROM core.shops WHERE platform_shop_id IN ('s-1', 's-2')`))[0].n).toBe(1);
  });

  it('a platform added to the registry later gets its row from syncPlatformsTable, and then its shops are accepted', async () => {
    await expect(addShop('fifthplat', 's-5')).rejects.toThrow(/fk_shops_platform/);
    await syncPlatformsTable(db.dataSource, [...platformRegistry.names(), 'fifthplat']);
    await addShop('fifthplat', 's-5');
    await syncPlatformsTable(db.dataSource, [...platformRegistry.names(), 'fifthplat']); // idempotent
    expect((await db.dataSource.query(`SELECT count(*)::int AS n FROM core.platforms WHERE name = 'fifthplat'`))[0].n).toBe(1);
  });
});
