import { createStockHarness, PLATFORMS, waitFor, type StockHarness } from './stock-harness';

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
    const during = (await http().get(`/skus/${f.skuId}/prices`).expect(200)).body;
    expect(during.activeTier).toMatchObject({ id: tierId, kind: 'flash_sale' });
    expect(during.platforms.map((p: { priceFen: number; verification: string }) => [p.priceFen, p.verification])).toEqual(PLATFORMS.map(() => [4900, 'verified']));
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
    const apps: { action: string; verification: string; read_back_price_fen: number }[] = await h.db.dataSource.query(
      `SELECT action, verification, read_back_price_fen FROM catalog_sync.price_tier_applications WHERE tier_id = $1 ORDER BY action, shop_id`,
      [tierId],
    );
    expect(apps.map((a) => [a.action, a.verification, a.read_back_price_fen])).toEqual([
      ...PLATFORMS.map(() => ['apply', 'verified', 4900]),
      ...PLATFORMS.map(() => ['revert', 'verified', 9900]),
    ]);
    const [{ status }] = await h.db.dataSource.query(`SELECT status FROM catalog_sync.price_tiers WHERE id = $1`, [tierId]);
    expect(status).toBe('ended');
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
