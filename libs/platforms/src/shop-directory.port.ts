import type { Platform } from '@app/contracts';
import type { ShopContext, TokenSet } from './platform-adapter.port';

/**
 * Where adapters and workers find shops and their (decrypted) credentials. Implemented over the
 * `core.shops` table in @app/persistence (ShopDirectoryService); faked in unit tests.
 */
export abstract class ShopDirectory {
  abstract get(shopId: string): Promise<ShopContext | null>;
  abstract findByPlatformShopId(platform: Platform, platformShopId: string): Promise<ShopContext | null>;
  /** app secret for push verification, by the platform's app key */
  abstract appSecret(platform: Platform, appKey: string): Promise<string | null>;
  abstract listActive(platform?: Platform): Promise<ShopContext[]>;
  /** persist refreshed tokens (encrypted) */
  abstract saveTokens(shopId: string, tokens: TokenSet): Promise<void>;
  /** the shop can no longer be called until a person re-authorises it */
  abstract markNeedsReauth(shopId: string, reason: string): Promise<void>;
}
