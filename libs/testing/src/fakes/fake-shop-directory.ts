import type { Platform } from '@app/contracts';
import { ShopDirectory, type ShopContext, type ShopLocation, type TokenSet } from '@app/platforms';

/**
 * In-memory ShopDirectory for the apps' and adapters' tests: shops given to the constructor or added with
 * addShop; token saves and re-authorisation marks are recorded (savedTokens, reauth) and a saved token
 * replaces the shop's credentials, as the real directory does.
 */
export class FakeShopDirectory extends ShopDirectory {
  readonly shops: ShopContext[] = [];
  readonly secrets = new Map<string, string>();
  readonly savedTokens: { shopId: string; tokens: TokenSet }[] = [];
  readonly reauth: { shopId: string; reason: string }[] = [];

  constructor(shops: ShopContext[] = []) {
    super();
    this.shops.push(...shops);
  }

  addShop(p: { shopId: string; platform: Platform; platformShopId: string; appKey: string; appSecret: string; location?: ShopLocation }): ShopContext {
    const shop: ShopContext = {
      shopId: p.shopId,
      platform: p.platform,
      platformShopId: p.platformShopId,
      baseUrl: 'http://127.0.0.1:1',
      credentials: { appKey: p.appKey, appSecret: p.appSecret, accessToken: 't', refreshToken: null, accessTokenExpiresAt: null },
      ...(p.location ? { location: p.location } : {}),
    };
    this.shops.push(shop);
    this.secrets.set(`${p.platform}/${p.appKey}`, p.appSecret);
    return shop;
  }

  async get(shopId: string): Promise<ShopContext | null> {
    return this.shops.find((s) => s.shopId === shopId) ?? null;
  }
  async findByPlatformShopId(platform: Platform, platformShopId: string): Promise<ShopContext | null> {
    return this.shops.find((s) => s.platform === platform && s.platformShopId === platformShopId) ?? null;
  }
  async appSecret(platform: Platform, appKey: string): Promise<string | null> {
    return (
      this.secrets.get(`${platform}/${appKey}`) ??
      this.shops.find((s) => s.platform === platform && s.credentials.appKey === appKey)?.credentials.appSecret ??
      null
    );
  }
  async listActive(platform?: Platform): Promise<ShopContext[]> {
    return this.shops.filter((s) => !platform || s.platform === platform);
  }
  async saveTokens(shopId: string, tokens: TokenSet): Promise<void> {
    this.savedTokens.push({ shopId, tokens });
    const i = this.shops.findIndex((s) => s.shopId === shopId);
    if (i >= 0) {
      const s = this.shops[i];
      this.shops[i] = {
        ...s,
        credentials: { ...s.credentials, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, accessTokenExpiresAt: tokens.accessTokenExpiresAt },
      };
    }
  }
  async markNeedsReauth(shopId: string, reason: string): Promise<void> {
    this.reauth.push({ shopId, reason });
  }
}
