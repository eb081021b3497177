import type { Platform } from '@app/contracts';
import { ShopDirectory, type ShopContext, type TokenSet } from '@app/platforms';

export class FakeShopDirectory extends ShopDirectory {
  readonly shops: ShopContext[] = [];
  readonly secrets = new Map<string, string>();

  addShop(p: { shopId: string; platform: Platform; platformShopId: string; appKey: string; appSecret: string }): ShopContext {
    const shop: ShopContext = {
      shopId: p.shopId,
      platform: p.platform,
      platformShopId: p.platformShopId,
      baseUrl: 'http://127.0.0.1:1',
      credentials: { appKey: p.appKey, appSecret: p.appSecret, accessToken: 't', refreshToken: null, accessTokenExpiresAt: null },
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
    return this.secrets.get(`${platform}/${appKey}`) ?? null;
  }
  async listActive(platform?: Platform): Promise<ShopContext[]> {
    return this.shops.filter((s) => !platform || s.platform === platform);
  }
  async saveTokens(_shopId: string, _tokens: TokenSet): Promise<void> {}
  async markNeedsReauth(): Promise<void> {}
}
