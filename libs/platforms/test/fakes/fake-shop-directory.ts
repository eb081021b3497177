import type { Platform } from '@app/contracts';
import type { ShopContext, TokenSet } from '../../src/platform-adapter.port';
import { ShopDirectory } from '../../src/shop-directory.port';

/** In-memory ShopDirectory for adapter tests; records token saves and re-authorisation marks. */
export class FakeShopDirectory extends ShopDirectory {
  readonly shops = new Map<string, ShopContext>();
  readonly savedTokens: { shopId: string; tokens: TokenSet }[] = [];
  readonly reauth: { shopId: string; reason: string }[] = [];

  constructor(shops: ShopContext[] = []) {
    super();
    for (const s of shops) this.shops.set(s.shopId, s);
  }

  async get(shopId: string): Promise<ShopContext | null> {
    return this.shops.get(shopId) ?? null;
  }
  async findByPlatformShopId(platform: Platform, platformShopId: string): Promise<ShopContext | null> {
    return [...this.shops.values()].find((s) => s.platform === platform && s.platformShopId === platformShopId) ?? null;
  }
  async appSecret(platform: Platform, appKey: string): Promise<string | null> {
    return [...this.shops.values()].find((s) => s.platform === platform && s.credentials.appKey === appKey)?.credentials.appSecret ?? null;
  }
  async listActive(platform?: Platform): Promise<ShopContext[]> {
    return [...this.shops.values()].filter((s) => !platform || s.platform === platform);
  }
  async saveTokens(shopId: string, tokens: TokenSet): Promise<void> {
    this.savedTokens.push({ shopId, tokens });
    const s = this.shops.get(shopId);
    if (s) {
      this.shops.set(shopId, {
        ...s,
        credentials: { ...s.credentials, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, accessTokenExpiresAt: tokens.accessTokenExpiresAt },
      });
    }
  }
  async markNeedsReauth(shopId: string, reason: string): Promise<void> {
    this.reauth.push({ shopId, reason });
  }
}
