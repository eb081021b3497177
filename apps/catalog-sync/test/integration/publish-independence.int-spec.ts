import type { Platform } from '@app/contracts';
import { createCatalogHarness, productBody, waitFor, type CatalogHarness } from './catalog-harness';

const PRODUCTS = 12;
const CONCURRENCY = 4;

/**
 * Issue 9: a slow platform must not hold the others' publishes back. Every product goes to all three shops; the
 * Xiaohongshu simulator answers each call after 1.5 s (a product there is an item and a call per SKU). With one
 * shared queue of children the four worker slots fill with Xiaohongshu jobs and Douyin's and Taobao's wait behind
 * them; with a queue per platform they are all published while Xiaohongshu has finished at most one round.
 */
describe('publish: each platform at its own pace (real Postgres, Redis and the simulators)', () => {
  let h: CatalogHarness;
  beforeAll(async () => {
    h = await createCatalogHarness({ options: { publishConcurrency: CONCURRENCY } });
  });
  afterAll(async () => {
    h?.sims.xiaohongshu.resetFaults();
    await h?.close();
  });

  async function published(ids: string[]): Promise<Record<Platform, number>> {
    const rows: { platform: Platform; n: string }[] = await h.db.dataSource.query(
      `SELECT platform, count(*)::text AS n FROM catalog_sync.listings WHERE product_id = ANY($1::uuid[]) AND status = 'published' GROUP BY platform`,
      [ids],
    );
    const out: Record<Platform, number> = { douyin: 0, taobao: 0, xiaohongshu: 0 };
    for (const r of rows) out[r.platform] = Number(r.n);
    return out;
  }

  it("Douyin's and Taobao's listings go live while Xiaohongshu is still on its first products", async () => {
    h.sims.xiaohongshu.setFaults({ latencyMs: 1500 });
    const ids: string[] = [];
    for (let i = 0; i < PRODUCTS; i++) {
      const res = await h.http().post('/products').set(h.headers()).send(productBody());
      expect(res.status).toBe(201);
      ids.push(res.body.product.id as string);
    }
    for (const id of ids) expect((await h.http().post(`/products/${id}/publish`).set(h.headers()).send({})).status).toBe(202);

    const fast = await waitFor(async () => {
      const n = await published(ids);
      return n.douyin === PRODUCTS && n.taobao === PRODUCTS ? n : null;
    }, 30_000, 'every Douyin and Taobao listing published');
    // one round of Xiaohongshu jobs (CONCURRENCY at a time) takes several 1.5 s calls each: at most that round is done
    expect(fast.xiaohongshu).toBeLessThanOrEqual(CONCURRENCY);

    h.sims.xiaohongshu.resetFaults();
    await waitFor(async () => (await published(ids)).xiaohongshu === PRODUCTS, 60_000, 'every Xiaohongshu listing published');
  }, 120_000);
});
