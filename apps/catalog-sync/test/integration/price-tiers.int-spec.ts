import type { Platform } from '@app/contracts';
import { createStockHarness, PLATFORMS, waitFor, type StockHarness } from './stock-harness';

/** read back through each platform's own read API (Douyin product.detail, XHS product.getDetailSkuList); Taobao has none listed */
const READ_BACK: Record<Platform, 'verified' | 'unverified'> = { douyin: 'verified', taobao: 'unverified', xiaohongshu: 'verified' };

describe('price tiers (real Postgres, Redis, simulators)', () => {
  let h: StockHarness;
  beforeAll(async () => {
    h = await createStockHarness();
  });
  afterAll(async () => {
    await h?.close();
  });
  const http = () => h.api({ roles: 'merchandiser' });

  it('switches a flash-sale price on every platform at its boundary and reverts after', async () => {
    const f = await h.createSku({ salePriceFen: 9900, listPriceFen: 12900 });
    const startsAt = new Date(Date.now() + 3000);
    const endsAt = new Date(startsAt.getTime() + 3000);
    const created = await http()
      .post(`/skus/${f.skuId}/price-tiers`)
      .send({ tiers: [{ kind: 'flash_sale', priceFen: 4900, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() }] })
      .expect(201);
    const tierId = created.body.tiers[0].id;

    const before = (await http().get(`/skus/${f.skuId}/prices`).expect(200)).body;
    expect(before.platforms.map((p: { priceFen: number }) => p.priceFen)).toEqual([9900, 9900, 9900]);
    expect(before.platforms[0].nextChange).toMatchObject({ at: startsAt.toISOString(), priceFen: 4900 });
    expect(PLATFORMS.map((p) => h.simSku(p, f).priceFen)).toEqual([9900, 9900, 9900]);

    await waitFor(() => PLATFORMS.every((p) => h.simSku(p, f).priceFen === 4900), 10_000, 'flash price on all platforms');
    const switchedAt = Date.now();
    expect(switchedAt).toBeGreaterThanOrEqual(startsAt.getTime());
    // the platforms show the price a moment before the job has read it back and recorded the application
    const during = await waitFor(async () => {
      const b = (await http().get(`/skus/${f.skuId}/prices`).expect(200)).body;
      return b.platforms.every((p: { priceFen: number }) => p.priceFen === 4900) ? b : null;
    }, 5000, 'prices view shows the tier');
    expect(during.activeTier).toMatchObject({ id: tierId, kind: 'flash_sale' });
    const shown = (b: { platforms: { platform: Platform; priceFen: number; verification: string }[] }) =>
      [...b.platforms].sort((x, y) => x.platform.localeCompare(y.platform)).map((p) => [p.platform, p.priceFen, p.verification]);
    expect(shown(during)).toEqual(PLATFORMS.map((p) => [p, 4900, READ_BACK[p]]));
    expect(during.platforms[0].nextChange).toMatchObject({ at: endsAt.toISOString(), priceFen: 9900 });

    await waitFor(() => PLATFORMS.every((p) => h.simSku(p, f).priceFen === 9900), 10_000, 'reverted on all platforms');
    const revertedAt = Date.now();
    expect(revertedAt).toBeGreaterThanOrEqual(endsAt.getTime());
    // eslint-disable-next-line no-console
    console.log(`[measure] tier applied ${switchedAt - startsAt.getTime()} ms after its start, reverted ${revertedAt - endsAt.getTime()} ms after its end (poll 25 ms)`);
    const after = await waitFor(async () => {
      const b = (await http().get(`/skus/${f.skuId}/prices`).expect(200)).body;
      return b.platforms.every((p: { priceFen: number }) => p.priceFen === 9900) ? b : null;
    }, 5000, 'prices view reverted');
    expect(after.platforms[0].nextChange).toBeNull();
    const apps: { action: string; platform: Platform; verification: string; read_back_price_fen: number | null }[] = await h.db.dataSource.query(
      `SELECT a.action, sh.platform, a.verification, a.read_back_price_fen FROM catalog_sync.price_tier_applications a
         JOIN core.shops sh ON sh.id = a.shop_id WHERE a.tier_id = $1 ORDER BY a.action, sh.platform`,
      [tierId],
    );
    const readBack = (p: Platform, fen: number) => (READ_BACK[p] === 'verified' ? fen : null);
    expect(apps.map((a) => [a.action, a.platform, a.verification, a.read_back_price_fen])).toEqual([
      ...PLATFORMS.map((p) => ['apply', p, READ_BACK[p], readBack(p, 4900)]),
      ...PLATFORMS.map((p) => ['revert', p, READ_BACK[p], readBack(p, 9900)]),
    ]);
    // the read-back went through the platforms' read APIs
    expect(h.sims.douyin.requests('product.detail').length).toBeGreaterThanOrEqual(2);
    expect(h.sims.xiaohongshu.requests('product.getDetailSkuList').length).toBeGreaterThanOrEqual(2);
    const [{ status }] = await h.db.dataSource.query(`SELECT status FROM catalog_sync.price_tiers WHERE id = $1`, [tierId]);
    expect(status).toBe('ended');
  });

  it('records a mismatch when a platform shows another price than it accepted, and retries that shop until it shows the tier', async () => {
    const f = await h.createSku({ salePriceFen: 9900, listPriceFen: 12900 });
    const sim = h.sims.douyin;
    // the Douyin double accepts sku.editPrice but shows 1 fen more (a platform-side adjustment) until restored
    const setPrice = sim.store.setPrice.bind(sim.store);
    sim.store.setPrice = (sku, priceFen, original) => setPrice(sku, sku.skuId === f.platformIds.douyin.skuId ? priceFen + 1 : priceFen, original);
    let tierId = '';
    try {
      const startsAt = new Date(Date.now() + 1500);
      const created = await http()
        .post(`/skus/${f.skuId}/price-tiers`)
        .send({ tiers: [{ kind: 'flash_sale', priceFen: 4900, startsAt: startsAt.toISOString(), endsAt: new Date(startsAt.getTime() + 60_000).toISOString() }] })
        .expect(201);
      tierId = created.body.tiers[0].id;
      const mismatch = await waitFor(async () => {
        const [row] = await h.db.dataSource.query(
          `SELECT verification, read_back_price_fen FROM catalog_sync.price_tier_applications WHERE tier_id = $1 AND shop_id = $2 AND action = 'apply'`,
          [tierId, h.shopIds.douyin],
        );
        return row?.verification === 'mismatch' ? row : null;
      }, 10_000, 'douyin apply recorded as mismatch');
      expect(mismatch.read_back_price_fen).toBe(4901);
      const [{ status }] = await h.db.dataSource.query(`SELECT status FROM catalog_sync.price_tiers WHERE id = $1`, [tierId]);
      expect(status).toBe('scheduled'); // not active while a platform shows another price
    } finally {
      sim.store.setPrice = setPrice;
    }
    const verified = await waitFor(async () => {
      const [row] = await h.db.dataSource.query(
        `SELECT a.verification, a.read_back_price_fen, t.status FROM catalog_sync.price_tier_applications a JOIN catalog_sync.price_tiers t ON t.id = a.tier_id
          WHERE a.tier_id = $1 AND a.shop_id = $2 AND a.action = 'apply'`,
        [tierId, h.shopIds.douyin],
      );
      return row?.verification === 'verified' && row.status === 'active' ? row : null;
    }, 15_000, 'douyin apply verified after the retry');
    expect(verified.read_back_price_fen).toBe(4900);
    expect(h.simSku('douyin', f).priceFen).toBe(4900);
  });

  describe('validation', () => {
    const inMin = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

    it.each([
      [{ tiers: [{ kind: 'nope', priceFen: 100, startsAt: inMin(1), endsAt: inMin(2) }] }, 'tiers.0.kind'],
      [{ tiers: [{ kind: 'regular', priceFen: 0, startsAt: inMin(1), endsAt: inMin(2) }] }, 'tiers.0.priceFen'],
      [{ tiers: [{ kind: 'regular', priceFen: 100, startsAt: 'tomorrow', endsAt: inMin(2) }] }, 'tiers.0.startsAt'],
      [{ tiers: [] }, 'tiers'],
    ])('400 for a malformed body naming the field %#', async (body, field) => {
      const f = await h.createSku({});
      const res = await http().post(`/skus/${f.skuId}/price-tiers`).send(body).expect(400);
      expect(JSON.stringify(res.body.message)).toContain(field);
    });

    it.each([
      ['a window in the past', [{ kind: 'regular', priceFen: 9000, startsAt: inMin(-10), endsAt: inMin(10) }], 'tiers.0.startsAt must be in the future'],
      ['end before start', [{ kind: 'regular', priceFen: 9000, startsAt: inMin(10), endsAt: inMin(5) }], 'tiers.0.endsAt must be after startsAt'],
      ['a flash sale not below the regular price', [{ kind: 'flash_sale', priceFen: 9900, startsAt: inMin(10), endsAt: inMin(20) }], 'tiers.0.priceFen flash-sale price must be below'],
      [
        'overlapping windows',
        [
          { kind: 'early_bird', priceFen: 8000, startsAt: inMin(10), endsAt: inMin(20) },
          { kind: 'flash_sale', priceFen: 5000, startsAt: inMin(15), endsAt: inMin(25) },
        ],
        'tiers.1.startsAt window overlaps tiers.0',
      ],
    ])('422 for %s', async (_n, tiers, message) => {
      const f = await h.createSku({ salePriceFen: 9900 });
      const res = await http().post(`/skus/${f.skuId}/price-tiers`).send({ tiers }).expect(422);
      expect(JSON.stringify(res.body.message)).toContain(message);
    });

    it('422 for a window overlapping an already scheduled tier', async () => {
      const f = await h.createSku({});
      await http().post(`/skus/${f.skuId}/price-tiers`).send({ tiers: [{ kind: 'regular', priceFen: 9000, startsAt: inMin(30), endsAt: inMin(60) }] }).expect(201);
      const res = await http().post(`/skus/${f.skuId}/price-tiers`).send({ tiers: [{ kind: 'early_bird', priceFen: 8000, startsAt: inMin(50), endsAt: inMin(70) }] }).expect(422);
      expect(JSON.stringify(res.body.message)).toContain('tiers.0.startsAt window overlaps regular tier');
    });
  });

  describe('merchant scoping and roles', () => {
    const inMin = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
    const tierBody = () => ({ tiers: [{ kind: 'regular', priceFen: 9000, startsAt: inMin(30), endsAt: inMin(60) }] });
    const tierCount = async (skuId: string) =>
      Number((await h.db.dataSource.query(`SELECT count(*)::int AS n FROM catalog_sync.price_tiers WHERE sku_id = $1`, [skuId]))[0].n);

    it("another merchant's SKU: 404 on create and read, no tier written", async () => {
      const foreign = await h.createForeignSku();
      await http().post(`/skus/${foreign.skuId}/price-tiers`).send(tierBody()).expect(404);
      const read = await http().get(`/skus/${foreign.skuId}/prices`).expect(404);
      expect(JSON.stringify(read.body)).not.toContain('9900');
      expect(await tierCount(foreign.skuId)).toBe(0);
      // its own merchant may
      await h.api({ merchantId: foreign.merchantId, roles: 'admin' }).post(`/skus/${foreign.skuId}/price-tiers`).send(tierBody()).expect(201);
      expect(await tierCount(foreign.skuId)).toBe(1);
    });

    it('401 without the merchant header', async () => {
      const f = await h.createSku({});
      await h.api({ merchantId: null }).post(`/skus/${f.skuId}/price-tiers`).send(tierBody()).expect(401);
      await h.api({ merchantId: null }).get(`/skus/${f.skuId}/prices`).expect(401);
      expect(await tierCount(f.skuId)).toBe(0);
    });

    it('403 for the wrong role (ops may only read; erp may do neither)', async () => {
      const f = await h.createSku({});
      await h.api({ roles: 'ops' }).post(`/skus/${f.skuId}/price-tiers`).send(tierBody()).expect(403);
      await h.api({ roles: 'erp' }).post(`/skus/${f.skuId}/price-tiers`).send(tierBody()).expect(403);
      await h.api({ roles: 'erp' }).get(`/skus/${f.skuId}/prices`).expect(403);
      expect(await tierCount(f.skuId)).toBe(0);
      expect((await h.api({ roles: 'ops' }).get(`/skus/${f.skuId}/prices`).expect(200)).body.basePriceFen).toBe(9900);
    });

    it('400 for a body carrying merchantId, naming the field', async () => {
      const f = await h.createSku({});
      const res = await http().post(`/skus/${f.skuId}/price-tiers`).send({ ...tierBody(), merchantId: h.merchantId }).expect(400);
      expect(JSON.stringify(res.body.message)).toContain('merchantId');
      expect(await tierCount(f.skuId)).toBe(0);
    });
  });
});
