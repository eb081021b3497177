import type { Platform } from '@app/contracts';
import type { ShopContext, TokenSet } from './platform-adapter.port';

/** A shop's tokens as stored (the expiry may be unknown). */
export interface StoredTokens {
  accessToken: string | null;
  refreshToken: string | null;
  accessTokenExpiresAt: Date | null;
}

/** What a serialised refresh hands back: the tokens to use, and whether this call refreshed them. */
export interface RefreshOutcome extends StoredTokens {
  accessToken: string;
  refreshed: boolean;
}

/** A shop just marked needs_reauth (for alerts). */
export interface NeedsReauthEvent {
  shopId: string;
  reason: string;
  at: string;
}

/**
 * Where adapters and workers find shops and their (decrypted) credentials. Implemented over the
 * `core.shops` table in @app/persistence (ShopDirectoryService); faked in unit tests.
 */
export abstract class ShopDirectory {
  private readonly reauthListeners: Array<(e: NeedsReauthEvent) => void> = [];

  abstract get(shopId: string): Promise<ShopContext | null>;
  abstract findByPlatformShopId(platform: Platform, platformShopId: string): Promise<ShopContext | null>;
  /** app secret for push verification, by the platform's app key */
  abstract appSecret(platform: Platform, appKey: string): Promise<string | null>;
  abstract listActive(platform?: Platform): Promise<ShopContext[]>;

  /**
   * A cheap fingerprint of which shops are active: it changes whenever a shop is added, removed, disabled or
   * (re-)activated, so a caller can poll it every few seconds and call listActive only on a change. The
   * database implementation reads ids only (no credentials decrypted); this default (for fakes) derives it
   * from listActive.
   */
  async activeShopsVersion(): Promise<string> {
    return (await this.listActive()).map((s) => s.shopId).sort().join(',');
  }
  /** persist refreshed tokens (encrypted) */
  abstract saveTokens(shopId: string, tokens: TokenSet): Promise<void>;
  /** the shop can no longer be called until a person re-authorises it */
  abstract markNeedsReauth(shopId: string, reason: string): Promise<void>;

  /**
   * A token refresh that happens once per shop across all processes. `refresh` is called with the STORED refresh
   * token, under a lock, only when the stored access token is still the one the caller saw (`seenAccessToken`)
   * or is not `usable`; otherwise another process already refreshed and its tokens are returned. The database
   * implementation locks the shop row; this default (for fakes) just refreshes and saves.
   */
  async refreshTokensOnce(
    shopId: string,
    seen: StoredTokens,
    refresh: (refreshToken: string | null) => Promise<TokenSet>,
    _usable: (stored: StoredTokens) => boolean,
  ): Promise<RefreshOutcome> {
    const tokens = await refresh(seen.refreshToken);
    await this.saveTokens(shopId, tokens);
    return { ...tokens, refreshed: true };
  }

  /** Called after every shop marked needs_reauth (the SLA alert path listens). */
  onNeedsReauth(listener: (e: NeedsReauthEvent) => void): void {
    this.reauthListeners.push(listener);
  }

  protected emitNeedsReauth(e: NeedsReauthEvent): void {
    for (const l of this.reauthListeners) {
      try {
        l(e);
      } catch {
        // an alert sink must never break the caller
      }
    }
  }
}
