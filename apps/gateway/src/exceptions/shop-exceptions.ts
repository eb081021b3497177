import type { OpsException } from '@app/contracts';
import type { ShopView } from '../shops/dto/shop.view';

/** a shop token expiring sooner than this is an exception (issue 10: "a token expiring within a day") */
export const TOKEN_EXPIRY_WARNING_MS = 86_400_000;
/** a grant (refresh token) ending sooner than this is an exception: a merchant needs days to re-authorise a shop */
export const GRANT_EXPIRY_WARNING_MS = 14 * 86_400_000;

/**
 * The gateway's own exceptions, from the shops' state: a shop that needs re-authorisation, or whose token
 * expires within a day. Neither is resolved by hand — each goes away when the shop is re-authorised.
 */
export function shopExceptions(shops: ShopView[], now = Date.now()): OpsException[] {
  const out: OpsException[] = [];
  for (const s of shops) {
    if (s.status === 'needs_reauth') {
      out.push({
        key: `shop_needs_reauth:${s.id}:${Date.parse(s.updatedAt)}`,
        type: 'shop_needs_reauth',
        severity: 'critical',
        since: s.updatedAt,
        title: { zh: `店铺需要重新授权: ${s.name} (${s.platform})`, en: `Shop needs re-authorisation: ${s.name} (${s.platform})` },
        context: { shopId: s.id, platform: s.platform, platformShopId: s.platformShopId, reason: s.statusReason },
        actions: ['reauthorize'],
      });
    } else if (s.status === 'active' && s.tokenExpiresAt && Date.parse(s.tokenExpiresAt) - now < TOKEN_EXPIRY_WARNING_MS) {
      const expired = Date.parse(s.tokenExpiresAt) <= now;
      out.push({
        key: `shop_token_expiring:${s.id}:${Date.parse(s.tokenExpiresAt)}`,
        type: 'shop_token_expiring',
        severity: expired ? 'critical' : 'warning',
        since: new Date(Math.min(now, Date.parse(s.tokenExpiresAt) - TOKEN_EXPIRY_WARNING_MS)).toISOString(),
        title: expired
          ? { zh: `店铺授权已过期: ${s.name} (${s.platform})`, en: `Shop token expired: ${s.name} (${s.platform})` }
          : { zh: `店铺授权将在一天内过期: ${s.name} (${s.platform})`, en: `Shop token expires within a day: ${s.name} (${s.platform})` },
        context: { shopId: s.id, platform: s.platform, platformShopId: s.platformShopId, tokenExpiresAt: s.tokenExpiresAt },
        actions: ['reauthorize'],
      });
    }
    // the grant's own end (Kuaishou: 180 days from the first authorisation, whatever the refreshes): no refresh helps
    const grantEnd = s.refreshTokenExpiresAt ? Date.parse(s.refreshTokenExpiresAt) : NaN;
    if (s.status === 'active' && Number.isFinite(grantEnd) && grantEnd - now < GRANT_EXPIRY_WARNING_MS) {
      const days = Math.max(0, Math.ceil((grantEnd - now) / 86_400_000));
      const critical = grantEnd - now < TOKEN_EXPIRY_WARNING_MS;
      out.push({
        key: `shop_token_expiring:${s.id}:grant:${grantEnd}`,
        type: 'shop_token_expiring',
        severity: critical ? 'critical' : 'warning',
        since: new Date(Math.min(now, grantEnd - GRANT_EXPIRY_WARNING_MS)).toISOString(),
        title: {
          zh: `店铺授权将在 ${days} 天后到期 (平台授权期限, 刷新无效), 请重新授权: ${s.name} (${s.platform})`,
          en: `Shop authorisation ends in ${days} days (the platform's fixed grant; refreshing does not extend it): re-authorise ${s.name} (${s.platform})`,
        },
        context: { shopId: s.id, platform: s.platform, platformShopId: s.platformShopId, refreshTokenExpiresAt: s.refreshTokenExpiresAt, grant: true },
        actions: ['reauthorize'],
      });
    }
  }
  return out;
}
