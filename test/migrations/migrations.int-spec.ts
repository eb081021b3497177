import { createTestDatabase, type TestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../scripts/migrations';
import { CORE_MIGRATIONS } from '@app/persistence/migrations';

describe('core migrations', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: ALL_MIGRATIONS });
  });

  afterAll(async () => {
    await db?.drop();
  });

  const tables = async (): Promise<string[]> =>
    (await db.dataSource.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'core' ORDER BY 1`)).map(
      (r: { table_name: string }) => r.table_name,
    );

  it('are all part of ALL_MIGRATIONS, and create the core tables', async () => {
    expect(ALL_MIGRATIONS).toEqual(expect.arrayContaining(CORE_MIGRATIONS));
    expect(await tables()).toEqual([
      'alert_channels',
      'alert_deliveries',
      'alert_messages',
      'alert_silences',
      'alerts',
      'api_keys',
      'audit_log',
      'erp_connections',
      'leases',
      'merchants',
      'oauth_states',
      'platform_apps',
      'platforms',
      'shops',
    ]);
  });

  it('enforce the platform, status and role checks and the platform shop uniqueness', async () => {
    const q = (sql: string, p: unknown[] = []) => db.dataSource.query(sql, p);
    const [{ id: m }] = await q(`INSERT INTO core.merchants (name) VALUES ('Check Co') RETURNING id`);
    const shop = (platform: string, psid: string, status = 'active') =>
      q(
        `INSERT INTO core.shops (merchant_id, platform, platform_shop_id, name, app_key, credentials, status)
         VALUES ($1, $2, $3, 'n', 'ak', '\\x01'::bytea, $4)`,
        [m, platform, psid, status],
      );
    await shop('douyin', '1');
    // issue 9: the platform is a reference to core.platforms (the registry), no longer a CHECK
    await expect(shop('jd', '2')).rejects.toThrow(/fk_shops_platform/);
    await expect(shop('taobao', '3', 'paused')).rejects.toThrow(/ck_shops_status/);
    await expect(shop('douyin', '1')).rejects.toThrow(/uq_shops_platform_platform_shop_id/);
    await shop('taobao', '1'); // same platform shop id on another platform is fine

    const key = (roles: string[], hash: string) =>
      q(`INSERT INTO core.api_keys (merchant_id, name, prefix, key_hash, roles) VALUES ($1, 'k', 'p', $2, $3)`, [m, hash, roles]);
    await key(['admin', 'erp'], 'h1');
    await expect(key(['root'], 'h2')).rejects.toThrow(/ck_api_keys_roles/);
    await expect(key([], 'h3')).rejects.toThrow(/ck_api_keys_roles/);
    await expect(key(['ops'], 'h1')).rejects.toThrow(/uq_api_keys_key_hash/);
    await expect(
      q(`INSERT INTO core.shops (merchant_id, platform, platform_shop_id, name, app_key, credentials)
         VALUES ('00000000-0000-4000-8000-000000000000', 'douyin', '9', 'n', 'ak', '\\x01'::bytea)`),
    ).rejects.toThrow(/fk_shops_merchant_id/);
  });

  it("keep a shop's location both-or-neither, non-blank and at most 64 characters (ck_shops_location)", async () => {
    const q = (sql: string, p: unknown[] = []) => db.dataSource.query(sql, p);
    const [{ id: m }] = await q(`INSERT INTO core.merchants (name) VALUES ('Location Co') RETURNING id`);
    const shop = (psid: string, state: string | null, city: string | null) =>
      q(
        `INSERT INTO core.shops (merchant_id, platform, platform_shop_id, name, app_key, credentials, location_state, location_city)
         VALUES ($1, 'taobao', $2, 'n', 'ak', '\\x01'::bytea, $3, $4)`,
        [m, psid, state, city],
      );
    await shop('loc-1', null, null);
    await shop('loc-2', '浙江', '杭州');
    await expect(shop('loc-3', '浙江', null)).rejects.toThrow(/ck_shops_location/);
    await expect(shop('loc-4', null, '杭州')).rejects.toThrow(/ck_shops_location/);
    await expect(shop('loc-5', '浙江', '  ')).rejects.toThrow(/ck_shops_location/);
    await expect(shop('loc-6', '浙江', 'x'.repeat(65))).rejects.toThrow(/ck_shops_location/);
  });

  it('revert cleanly, one by one, down to nothing, and apply again', async () => {
    const ds = db.dataSource;
    await ds.query(`TRUNCATE core.api_keys, core.shops, core.platform_apps, core.oauth_states, core.merchants CASCADE`);
    const count = async () => Number((await ds.query(`SELECT count(*)::int AS n FROM typeorm_migrations`))[0].n);
    const applied = await count();
    expect(applied).toBe(ALL_MIGRATIONS.length);
    for (let i = 0; i < applied; i += 1) await ds.undoLastMigration({ transaction: 'each' });
    expect(await count()).toBe(0);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = 'core'`);
    expect(n).toBe(0);

    const again = await ds.runMigrations({ transaction: 'each' });
    expect(again).toHaveLength(ALL_MIGRATIONS.length);
    expect(await tables()).toEqual([
      'alert_channels',
      'alert_deliveries',
      'alert_messages',
      'alert_silences',
      'alerts',
      'api_keys',
      'audit_log',
      'erp_connections',
      'leases',
      'merchants',
      'oauth_states',
      'platform_apps',
      'platforms',
      'shops',
    ]);
  });
});
