import type { DataSource, EntityManager } from 'typeorm';
import type { ShopContext } from '@app/platforms';
import type { Refusal } from '../../src/orders/platform-answer';
import { PollCursorsRepository, type CursorWrite, type PollCursor, type StoredVersion } from '../../src/poll/poll-cursors.repository';

const key = (shopId: string, platformOrderId: string): string => `${shopId}\u0000${platformOrderId}`;

/** what the fake hands `work` as its EntityManager: nothing may query it (the fakes record instead) */
export const FAKE_EM = {
  query: async () => {
    throw new Error('a statement escaped the repositories: the fake EntityManager runs none');
  },
} as unknown as EntityManager;

/**
 * In-memory PollCursorsRepository: cursors per shop (as the table's upsert keeps them: started_at from the
 * first write, deep_at coalesced, fast_until only by holdFast), the stored orders' versions and the waiting
 * push messages a test sets up, and records of refusals, found-by-poll marks and transactions. A transaction
 * that throws leaves the cursors, refusals and marks as they were.
 */
export class FakePollCursorsRepository extends PollCursorsRepository {
  readonly cursors = new Map<string, PollCursor>();
  /** stored orders by (shop, platform order id) */
  readonly stored = new Map<string, StoredVersion>();
  /** pending push messages by (shop, platform order id): the latest event time (ms), received within the window */
  readonly pushes = new Map<string, number>();
  readonly refusals: { shopId: string; refused: Refusal[] }[] = [];
  /** every found-by-poll mark asked for: the push outbox ids and the polling start */
  readonly markCalls: { pushes: string[]; pollingSince: Date | null }[] = [];
  /** push outbox ids the database would not mark (a push arrived for the order, or it is not its first delivery) */
  readonly announcedOutboxIds = new Set<string>();
  readonly saved: CursorWrite[] = [];
  transactions = 0;
  /** the database clock (now()) */
  clock: () => number = () => Date.now();

  constructor() {
    super(undefined as unknown as DataSource);
  }

  putStored(shopId: string, platformOrderId: string, updatedAt: string, statusRank: number): void {
    this.stored.set(key(shopId, platformOrderId), { platformOrderId, platformUpdatedAt: new Date(updatedAt), statusRank });
  }

  putPush(shopId: string, platformOrderId: string, pushedAt: string): void {
    this.pushes.set(key(shopId, platformOrderId), Date.parse(pushedAt));
  }

  override async transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    const cursors = new Map([...this.cursors].map(([k, v]) => [k, { ...v }]));
    const lengths = [this.refusals.length, this.markCalls.length, this.saved.length];
    try {
      const r = await work(FAKE_EM);
      this.transactions += 1;
      return r;
    } catch (e) {
      this.cursors.clear();
      for (const [k, v] of cursors) this.cursors.set(k, v);
      this.refusals.length = lengths[0];
      this.markCalls.length = lengths[1];
      this.saved.length = lengths[2];
      throw e;
    }
  }

  override async cursor(shopId: string): Promise<PollCursor | undefined> {
    const c = this.cursors.get(shopId);
    return c ? { ...c } : undefined;
  }

  override async saveCursor(_em: EntityManager, c: CursorWrite): Promise<void> {
    this.saved.push({ ...c });
    const cur = this.cursors.get(c.shopId);
    this.cursors.set(c.shopId, {
      cursorAt: c.cursorAt,
      windowFrom: c.windowFrom,
      windowTo: c.windowTo,
      pageState: c.pageState,
      deepAt: c.deepAt ?? cur?.deepAt ?? null,
      fastUntil: cur ? cur.fastUntil : null,
      startedAt: cur ? cur.startedAt : c.startedAt,
    });
  }

  override async recordRefusals(_em: EntityManager, shop: Pick<ShopContext, 'shopId' | 'platform'>, refused: Refusal[]): Promise<void> {
    if (refused.length > 0) this.refusals.push({ shopId: shop.shopId, refused: [...refused] });
  }

  override async markFoundByPoll(_em: EntityManager, pushes: string[], pollingSince: Date | null): Promise<number> {
    this.markCalls.push({ pushes: [...pushes], pollingSince });
    return pushes.filter((id) => !this.announcedOutboxIds.has(id)).length;
  }

  override async holdFast(shopId: string, found: boolean, holdMs: number): Promise<Date | null> {
    const c = this.cursors.get(shopId);
    if (!c) return null;
    const now = this.clock();
    c.fastUntil = found ? new Date(now + holdMs) : c.fastUntil && c.fastUntil.getTime() > now ? c.fastUntil : null;
    return c.fastUntil;
  }

  override async fastShops(shopIds: string[]): Promise<Set<string>> {
    const now = this.clock();
    return new Set(shopIds.filter((id) => (this.cursors.get(id)?.fastUntil?.getTime() ?? 0) > now));
  }

  override async storedVersions(shopId: string, ids: string[]): Promise<StoredVersion[]> {
    return ids.flatMap((id) => {
      const s = this.stored.get(key(shopId, id));
      return s ? [{ ...s }] : [];
    });
  }

  override async storedUpdatedAt(shopId: string, ids: string[]): Promise<Map<string, number>> {
    return new Map((await this.storedVersions(shopId, ids)).map((s) => [s.platformOrderId, s.platformUpdatedAt.getTime()]));
  }

  override async waitingPushes(shop: Pick<ShopContext, 'shopId' | 'platform'>, ids: string[], _withinMs: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const id of ids) {
      const at = this.pushes.get(key(shop.shopId, id));
      if (at !== undefined) out.set(id, at);
    }
    return out;
  }
}
