import type { CouponAudience, CouponKind } from '@app/contracts';
import type {
  AppSecretLookup,
  AuthorisedShop,
  ListingResult,
  OAuthApp,
  PlatformAdapter,
  PushMessage,
  PushRequest,
  PushVerification,
  ShopContext,
  SkuPrice,
} from './platform-adapter.port';

/**
 * Optional capabilities of a platform adapter, each its own interface. The base PlatformAdapter port holds
 * what every platform offers (orders, shipping, stock, price write, publish, token refresh); what only some
 * platforms offer is one of these, found with hasCapability(adapter, name) — a caller checks the guard and
 * records `unsupported` with a reason instead of calling a method that rejects with `not_supported`.
 */

/** Reads back the price the platform shows for a SKU (to verify a price change). */
export interface PriceReader {
  getSkuPrice(shop: ShopContext, platformProductId: string, platformSkuId: string): Promise<SkuPrice>;
}

/**
 * Finds the product a shop holds under our outer product id (so a create whose answer was lost can be found
 * instead of created again); null when there is none.
 */
export interface ProductLookup {
  findProductByOuterId(shop: ShopContext, outerProductId: string): Promise<ListingResult | null>;
}

/** OAuth onboarding: exchanges an authorisation code for the shop's tokens. */
export interface AuthCodeExchanger {
  exchangeAuthCode(app: OAuthApp, code: string, redirectUri: string): Promise<AuthorisedShop>;
}

/** HTTP push: verifies a pushed request and gives the platform's success / failure reply. */
export interface PushVerifier {
  verifyPush(req: PushRequest, secretFor: AppSecretLookup): Promise<PushVerification>;
  pushReply(ok: boolean): { status: number; body: unknown };
}

/** The app a message service stream belongs to (one stream per app key). */
export interface MessageServiceApp {
  appKey: string;
  appSecret: string;
  baseUrl: string;
}

/** Pushes by polling the platform's message service (Taobao TMC): consume a batch, confirm what was stored. */
export interface MessageServiceConsumer {
  consumeTmc(app: MessageServiceApp, groupName: string, quantity: number): Promise<PushMessage[]>;
  /** confirms ids consumed through `groupName` (a confirm only covers its own group's messages) */
  confirmTmc(app: MessageServiceApp, groupName: string, ids: string[]): Promise<void>;
  /**
   * The pushed channel (Taobao: the TMC WebSocket), where the adapter has one: a connection that keeps
   * itself up (reconnects with backoff) and buffers pushed messages until they are taken. Optional: without
   * it (or while it is down) consumeTmc is the channel.
   */
  openTmcSocket?(app: MessageServiceApp, groupName: string, options?: MessageSocketOptions): MessageServiceSocket;
}

export interface MessageSocketOptions {
  /** heartbeat (WebSocket ping) interval; a connection without a pong by the next ping is dropped */
  pingIntervalMs?: number;
  /** compensation PullRequest interval (asks the server to push what is queued) */
  pullIntervalMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** told of connection changes and errors */
  log?: (level: 'log' | 'warn' | 'error', message: string) => void;
}

/** One pushed-message connection of an app and group (see MessageServiceConsumer.openTmcSocket). */
export interface MessageServiceSocket {
  /** handshake accepted and the connection open */
  readonly up: boolean;
  /** why the last connection failed or was refused, if it did */
  readonly lastError: string | null;
  /** takes up to `max` buffered messages (messageId is the id to confirm) */
  take(max: number): PushMessage[];
  /** resolves when a message is buffered, the connection goes up or down, or after maxMs */
  waitForMessages(maxMs: number): Promise<void>;
  /**
   * Confirms, over this connection, the ids it delivered and has not confirmed yet; returns those it sent.
   * Ids it did not deliver (another channel, a previous connection) are left to the caller.
   */
  confirm(ids: string[]): string[];
  close(): Promise<void>;
}

/**
 * A campaign as one platform's coupon create takes it (apps/coupon builds it from the campaign and the shop's
 * SKU mapping). Amounts in fen, times ISO-8601; the adapter converts to the platform's units and formats.
 */
export interface CouponDraft {
  /** ours for this (campaign, shop), at most 60 characters: sent as the platform's own idempotency key where it has one (Kuaishou outerUniqueKey) */
  idempotencyKey: string;
  name: string;
  kind: CouponKind;
  thresholdFen: number | null;
  amountFen: number | null;
  ratePermille: number | null;
  maxDiscountFen: number | null;
  totalQuantity: number;
  perUserLimit: number;
  claimStartsAt: string;
  claimEndsAt: string;
  validity: { kind: 'fixed' | 'after_claim'; from: string | null; until: string | null; days: number | null };
  audience: CouponAudience;
  /** the platform's product ids when the campaign is limited to products; empty = the whole shop */
  platformProductIds: string[];
}

/** A coupon batch as the platform shows it. */
export interface PlatformCoupon {
  platformCouponId: string;
  /** not claimable yet / claimable now / over (ended or stopped) */
  status: 'not_started' | 'claimable' | 'ended';
  /** total quantity the platform holds, when it says */
  totalQuantity: number | null;
}

/**
 * Coupon batches through the platform's open API (issue 11 item 3). The manifest's `coupons` capability says
 * which of these calls are confirmed; apps/coupon decides from it whether to call at all.
 */
export interface CouponManager {
  /** creates the batch; with the platform's idempotency key, a repeat of a create that landed gives the same coupon */
  createCoupon(shop: ShopContext, draft: CouponDraft): Promise<PlatformCoupon>;
  /** the batch made for draft.idempotencyKey, or null: how a create whose answer was lost is resolved */
  findCoupon(shop: ShopContext, draft: CouponDraft): Promise<PlatformCoupon | null>;
  /** ends the batch before its window (a stopped batch cannot be claimed any more) */
  stopCoupon(shop: ShopContext, platformCouponId: string): Promise<void>;
}

/** Adds stock to a coupon batch (a platform whose API only adds: a lower total is not expressible). */
export interface CouponStockAdder {
  /** `increment` (> 0) more coupons in the batch; not idempotent on the platforms that have it: read back first */
  addCouponStock(shop: ShopContext, platformCouponId: string, increment: number): Promise<void>;
}

/** What a platform counts of one coupon batch (its usage statistics), null where its answer does not say. */
export interface CouponUsage {
  /** coupons claimed by buyers */
  claimed: number | null;
  /** coupons used in orders */
  used: number | null;
  /** discount of the used coupons, fen */
  usedAmountFen: number | null;
}

/** Reads a coupon batch's usage statistics (the reconcile of our redemption count). */
export interface CouponUsageReader {
  readCouponUsage(shop: ShopContext, platformCouponId: string): Promise<CouponUsage>;
}

export interface CapabilityInterfaces {
  priceRead: PriceReader;
  productLookup: ProductLookup;
  oauth: AuthCodeExchanger;
  httpPush: PushVerifier;
  tmc: MessageServiceConsumer;
  coupons: CouponManager;
  couponStock: CouponStockAdder;
  couponUsage: CouponUsageReader;
}

export type CapabilityName = keyof CapabilityInterfaces;

export const CAPABILITY_NAMES: readonly CapabilityName[] = ['priceRead', 'productLookup', 'oauth', 'httpPush', 'tmc', 'coupons', 'couponStock', 'couponUsage'];

/** The methods each capability needs (the guard checks they are there, not just the flag). */
const METHODS: Readonly<Record<CapabilityName, readonly string[]>> = {
  priceRead: ['getSkuPrice'],
  productLookup: ['findProductByOuterId'],
  oauth: ['exchangeAuthCode'],
  httpPush: ['verifyPush', 'pushReply'],
  tmc: ['consumeTmc', 'confirmTmc'],
  coupons: ['createCoupon', 'findCoupon', 'stopCoupon'],
  couponStock: ['addCouponStock'],
  couponUsage: ['readCouponUsage'],
};

/** What the adapter's capabilities flags say about one capability (absent flag = no). */
function flagged(adapter: PlatformAdapter, name: CapabilityName): boolean {
  const c = adapter.capabilities;
  switch (name) {
    case 'priceRead':
      return c.priceRead === true;
    case 'productLookup':
      return c.productLookupByOuterId === true;
    case 'httpPush':
      return c.pushTransport === 'http';
    case 'tmc':
      return c.pushTransport === 'tmc';
    case 'oauth':
      return true;
    case 'coupons':
      return c.couponApi === true;
    case 'couponStock':
      return c.couponStockAdd === true;
    case 'couponUsage':
      return c.couponUsage === true;
  }
}

function hasMethods(adapter: object, name: CapabilityName): boolean {
  const a = adapter as Record<string, unknown>;
  return METHODS[name].every((m) => typeof a[m] === 'function');
}

/**
 * true when the adapter offers the capability: its capabilities flag says so and it implements the
 * capability's methods. Narrows the adapter to the capability's interface.
 */
export function hasCapability<N extends CapabilityName>(adapter: PlatformAdapter, name: N): adapter is PlatformAdapter & CapabilityInterfaces[N] {
  return flagged(adapter, name) && hasMethods(adapter, name);
}

/** The capabilities an adapter offers (for ops views and the registry's completeness test). */
export function capabilitiesOf(adapter: PlatformAdapter): CapabilityName[] {
  return CAPABILITY_NAMES.filter((n) => hasCapability(adapter, n));
}

/** Why a capability is missing, for an `unsupported` record. */
export function unsupportedReason(adapter: PlatformAdapter, name: CapabilityName): string {
  return `${adapter.platform} does not offer ${name} through its open API`;
}
