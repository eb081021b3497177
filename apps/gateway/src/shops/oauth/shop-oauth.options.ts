export interface ShopOauthOptions {
  /** the gateway's public origin; the callback is <this>/shops/oauth/callback/<platform> */
  redirectBaseUrl: string;
  stateTtlMs: number;
}
export const SHOP_OAUTH_OPTIONS = Symbol('SHOP_OAUTH_OPTIONS');
