import { createHash, randomBytes } from 'node:crypto';
import { BadGatewayException, BadRequestException, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isUpstreamError, type Platform } from '@app/contracts';
import { platformNames, platformRegistry } from '@app/platforms';

// the registry's platforms (libs/platforms/src/registry.ts)
const PLATFORMS = platformNames();
import { PlatformAdapterLookup } from '@app/intake';
import { OauthState, PlatformAppRegistry } from '@app/persistence';
import { PLATFORM_OPERATOR_CONFIG, type PlatformOperatorConfig } from '@app/platforms';
import { LessThan, type Repository } from 'typeorm';
import type { ShopView } from '../dto/shop.view';
import { ShopsService } from '../shops.service';
import type { AuthorizeShopDto, AuthorizeShopView } from './authorize-shop.dto';
import { SHOP_OAUTH_OPTIONS, type ShopOauthOptions } from './shop-oauth.options';

const STATE_RE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Shop onboarding through the platform's OAuth: authorise URL -> the seller approves on the platform -> callback
 * with code + state -> code exchange, whose answer says which platform shop authorised. The state is random,
 * stored only as its SHA-256, bound to the merchant, platform and app, expiring and consumed once.
 */
@Injectable()
export class ShopOauthService {
  private readonly logger = new Logger(ShopOauthService.name);

  constructor(
    @InjectRepository(OauthState) private readonly states: Repository<OauthState>,
    private readonly apps: PlatformAppRegistry,
    private readonly shops: ShopsService,
    private readonly adapters: PlatformAdapterLookup,
    @Inject(PLATFORM_OPERATOR_CONFIG) private readonly operator: PlatformOperatorConfig,
    @Inject(SHOP_OAUTH_OPTIONS) private readonly opts: ShopOauthOptions,
  ) {}

  async authorize(merchantId: string, dto: AuthorizeShopDto): Promise<AuthorizeShopView> {
    const appKey = dto.appKey ?? this.operator.defaultOperatorApp(dto.platform)?.appKey;
    if (!appKey) throw new BadRequestException([`appKey is required: no operator app is configured for ${dto.platform}`]);
    // the operator's app or this merchant's own (409 for another merchant's, 400 for an unregistered one)
    await this.shops.claimApp(merchantId, dto.platform, appKey, undefined);
    const state = randomBytes(32).toString('base64url');
    const redirectUri = `${this.opts.redirectBaseUrl.replace(/\/+$/, '')}/shops/oauth/callback/${dto.platform}`;
    const expiresAt = new Date(Date.now() + this.opts.stateTtlMs);
    await this.states.delete({ expiresAt: LessThan(new Date()) });
    await this.states.insert({ stateHash: hashState(state), merchantId, platform: dto.platform, appKey, redirectUri, expiresAt });
    return { authorizeUrl: this.authorizeUrl(dto.platform, appKey, redirectUri, state), state, expiresAt: expiresAt.toISOString() };
  }

  async callback(platformParam: string, code: unknown, state: unknown): Promise<{ view: ShopView; created: boolean }> {
    if (!(PLATFORMS as readonly string[]).includes(platformParam)) throw new BadRequestException([`platform must be one of: ${PLATFORMS.join(', ')}`]);
    const platform = platformParam as Platform;
    if (typeof state !== 'string' || !STATE_RE.test(state)) throw new BadRequestException(['state must be the state POST /shops/authorize returned']);
    if (typeof code !== 'string' || code === '' || code.length > 1024) throw new BadRequestException(['code must be a non-empty string']);
    // consumed whatever happens next: a state is never good twice
    const raw: unknown[] = await this.states.query(
      `DELETE FROM core.oauth_states WHERE state_hash = $1
       RETURNING merchant_id AS "merchantId", platform, app_key AS "appKey", redirect_uri AS "redirectUri", expires_at AS "expiresAt"`,
      [hashState(state)],
    );
    // the pg driver answers a DELETE ... RETURNING with [rows, affected]
    const rows = (Array.isArray(raw[0]) ? raw[0] : raw) as OauthState[];
    const pending = rows[0];
    if (!pending || pending.platform !== platform || new Date(pending.expiresAt).getTime() <= Date.now()) {
      throw new BadRequestException(['state is unknown, expired or already used']);
    }
    await this.shops.claimApp(pending.merchantId, platform, pending.appKey, undefined);
    const appSecret = await this.apps.secretFor(platform, pending.appKey);
    if (appSecret === null) throw new BadRequestException([`app ${pending.appKey} has no secret registered`]);
    let authorised;
    try {
      authorised = await this.adapters
        .get(platform)
        .exchangeAuthCode({ appKey: pending.appKey, appSecret, baseUrl: this.operator.baseUrl(platform) }, code, pending.redirectUri);
    } catch (e) {
      if (!isUpstreamError(e)) throw e;
      this.logger.warn(`${platform} code exchange for app ${pending.appKey} failed: ${e.kind} ${e.details.subCode ?? e.details.code ?? ''}`);
      // our code and kind, never the platform's body
      if (e.retryable) throw new BadGatewayException(`the ${platform} code exchange failed (${e.kind}); authorise again`);
      throw new BadRequestException([`code was refused by ${platform} (${e.details.subCode ?? e.details.code ?? e.kind})`]);
    }
    return this.shops.upsertAuthorised(pending.merchantId, {
      platform,
      platformShopId: authorised.platformShopId,
      appKey: pending.appKey,
      name: authorised.shopName ?? `${platform} ${authorised.platformShopId}`,
      tokens: authorised.tokens,
    });
  }

  private authorizeUrl(platform: Platform, appKey: string, redirectUri: string, state: string): string {
    const url = new URL(this.operator.authorizeUrls[platform]);
    const q = url.searchParams;
    platformRegistry.get(platform).authorizeQuery(q, { appKey, redirectUri, state });
    return url.toString();
  }
}

function hashState(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('hex');
}
