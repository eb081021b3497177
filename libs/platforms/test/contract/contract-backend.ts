import type { Platform } from '@app/contracts';
import type { ShopContext } from '../../src/platform-adapter.port';

/**
 * The platform side of an adapter contract test. The same suite (`<platform>.contract.ts`) runs
 * against two backends: nock (libs/platforms/test/contract/nock-backends) and the project's simulator
 * (libs/sandbox/test/simulator-backend.ts). A backend arranges state, injects faults and
 * reports what the platform accepted, so one set of assertions holds for both.
 */
export interface SeedOrderItem {
  lineId: string;
  productId: string;
  skuId: string;
  skuCode: string;
  title: string;
  quantity: number;
  unitPriceFen: number;
}

export type SeedOrderStatus = 'pending_payment' | 'paid' | 'shipped' | 'completed' | 'cancelled' | 'refunded';

export interface SeedOrder {
  platformOrderId: string; // 19 digits on douyin / taobao; "P..." on xiaohongshu
  status: SeedOrderStatus;
  createdAt: Date;
  paidAt: Date | null;
  updatedAt: Date;
  items: SeedOrderItem[];
  shippingFen: number;
  discountFen: number;
}

export interface SeedProduct {
  productId: string;
  skus: { skuId: string; skuCode: string; stock: number; priceFen: number; originalPriceFen: number }[];
}

export type InjectedFault = 'busy' | 'rate_limited' | 'token_expired' | 'auth_revoked' | 'invalid_request';

export interface FailNextTarget {
  /** only calls of this API method (default: any business call) */
  method?: string;
  /** 'after': the call takes effect, then is answered with the fault (an answer lost after commit); default 'before' */
  phase?: 'before' | 'after';
  /** let this many targeted calls through first; default 0 */
  skip?: number;
}

/** One call the platform accepted: its API method and business parameters (as the platform parsed them). */
export interface ReceivedCall {
  method: string;
  params: Record<string, unknown>;
}

export interface ContractBackend {
  readonly platform: Platform;
  readonly name: 'nock' | 'simulator';
  /** a shop whose credentials this backend accepts */
  shop(): ShopContext;
  seedOrders(orders: SeedOrder[]): Promise<void>;
  seedProduct(product: SeedProduct): Promise<void>;
  /** the next `times` business calls (not token calls), of `target.method` when given, fail with this fault */
  failNext(fault: InjectedFault, times?: number, target?: FailNextTarget): Promise<void>;
  /** the shop's current access token stops working (token refresh still works) */
  expireAccessToken(): Promise<void>;
  /** calls accepted so far, oldest first (token and business calls) */
  received(method?: string): Promise<ReceivedCall[]>;
  close(): Promise<void>;
}
