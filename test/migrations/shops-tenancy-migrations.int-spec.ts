import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '@app/persistence';
import { createTestDatabase, type TestDatabase } from '@app/testing';
import { ALL_MIGRATIONS } from '../../scripts/migrations';
import { CreatePlatformAppsTable1795570000100 } from '@app/persistence/migrations/1795570000100-CreatePlatformAppsTable';
import { DropShopsBaseUrl1795570000101 } from '@app/persistence/migrations/1795570000101-DropShopsBaseUrl';
import { CreateOauthStatesTable1795570000102 } from '@app/persistence/migrations/1795570000102-CreateOauthStatesTable';
import { KeyInboxByAppKey1795575601100 } from '../../apps/order-sync/src/migrations/1795575601100-KeyInboxByAppKey';
import { CreatePlatformsTable1795575611000 } from '@app/persistence/migrations/1795575611000-CreatePlatformsTable';
import { PlatformOverridesReferencePlatforms1796201000000 } from '../../apps/catalog-sync/src/migrations/catalog/1796201000000-PlatformOverridesReferencePlatforms';
import { RingFencedPlatformReferencesPlatforms1796201000100 } from '../../apps/catalog-sync/src/migrations/stock/1796201000100-RingFencedPlatformReferencesPlatforms';

const MINE: Function[] = [CreatePlatformAppsTable1795570000100, DropShopsBaseUrl1795570000101, CreateOauthStatesTable1795570000102, KeyInboxByAppKey1795575601100];
// later migrations that need MINE's tables (core.platforms references core.platform_apps): held back
// with MINE in the "before" schema, and run after them
const LATER: Function[] = [CreatePlatformsTable1795575611000, PlatformOverridesReferencePlatforms1796201000000, RingFencedPlatformReferencesPlatforms1796201000100];

describe('shop tenancy migrations carry existing data over', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    // the schema as it was before: every migration but these
    db = await createTestDatabase({ migrations: ALL_MIGRATIONS.filter((m) => !MINE.includes(m) && !LATER.includes(m)) });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('gives each app key in use one owner (its oldest shop’s merchant) and each inbox row its shop’s app key', async () => {
    const q = (sql: string, p: unknown[] = []) => db.dataSource.query(sql, p);
    const [{ id: a }] = await q(`INSERT INTO core.merchants (name) VALUES ('A') RETURNING id`);
    const [{ id: b }] = await q(`INSERT INTO core.merchants (name) VALUES ('B') RETURNING id`);
    const shop = (m: string, psid: string, appKey: string, at: string) =>
      q(
        `INSERT INTO core.shops (merchant_id, platform, platform_shop_id, name, app_key, base_url, credentials, created_at)
         VALUES ($1, 'douyin', $2, 'n', $3, 'http://evil.example', '\\x01'::bytea, $4) RETURNING id`,
        [m, psid, appKey, at],
      );
    const [{ id: shopB }] = await shop(b, 'b1', 'shared-key', '2026-01-01T00:00:00Z');
    await shop(a, 'a1', 'shared-key', '2026-02-01T00:00:00Z');
    await shop(a, 'a2', 'key-a', '2026-03-01T00:00:00Z');
    await q(
      `INSERT INTO order_sync.inbox (platform, message_id, platform_shop_id, shop_id, topic, kind, raw) VALUES
       ('douyin', 'm1', 'b1', $1, '101', 'order', '{}'), ('douyin', 'm2', 'x', NULL, '101', 'order', '{}')`,
      [shopB],
    );

    const ds = new DataSource(buildDataSourceOptions({ url: db.url, migrations: ALL_MIGRATIONS, poolSize: 1 }));
    await ds.initialize();
    try {
      const ran = await ds.runMigrations({ transaction: 'each' });
      expect(ran.map((m) => m.name)).toEqual([...MINE, ...LATER].map((m) => m.name));
    } finally {
      await ds.destroy();
    }

    expect(await q(`SELECT app_key, merchant_id, secret FROM core.platform_apps ORDER BY app_key`)).toEqual([
      { app_key: 'key-a', merchant_id: a, secret: null },
      { app_key: 'shared-key', merchant_id: b, secret: null },
    ]);
    const cols = await q(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'core' AND table_name = 'shops'`);
    expect(cols.map((c: { column_name: string }) => c.column_name)).not.toContain('base_url');
    expect(await q(`SELECT message_id, app_key FROM order_sync.inbox ORDER BY message_id`)).toEqual([
      { message_id: 'm1', app_key: 'shared-key' },
      { message_id: 'm2', app_key: '' },
    ]);
    // one message id, two apps: both rows fit now
    await q(`INSERT INTO order_sync.inbox (platform, app_key, message_id, topic, kind, raw) VALUES ('douyin', 'key-a', 'm1', '101', 'order', '{}')`);
    await expect(
      q(`INSERT INTO order_sync.inbox (platform, app_key, message_id, topic, kind, raw) VALUES ('douyin', 'key-a', 'm1', '101', 'order', '{}')`),
    ).rejects.toThrow(/uq_inbox_platform_app_key_message_id/);
    await expect(q(`INSERT INTO core.platform_apps (platform, app_key, merchant_id) VALUES ('douyin', 'key-a', $1)`, [b])).rejects.toThrow(
      /uq_platform_apps_platform_app_key/,
    );
  });
});
