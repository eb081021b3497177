import { randomUUID } from 'node:crypto';
import { BadRequestException, ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  AppOwnershipError,
  PlatformAppRegistry,
  SecretBox,
  SecretBoxError,
  Shop,
  ShopDirectoryService,
  type ShopSecrets,
  openShopSecrets,
  sealShopSecrets,
} from '@app/persistence';
import { In, QueryFailedError, type Repository } from 'typeorm';
import type { Platform } from '@app/contracts';
import type { TokenSet } from '@app/platforms';
import type { CreateShopDto } from './dto/create-shop.dto';
import { ShopView } from './dto/shop.view';
import type { UpdateShopDto } from './dto/update-shop.dto';

const UNIQUE_PLATFORM_SHOP = 'uq_shops_platform_platform_shop_id';

/** Shops of one merchant. Another merchant's shop id is always "not found", never its data. */
@Injectable()
export class ShopsService {
  private readonly logger = new Logger(ShopsService.name);

  constructor(
    @InjectRepository(Shop) private readonly shops: Repository<Shop>,
    private readonly box: SecretBox,
    private readonly directory: ShopDirectoryService,
    private readonly apps: PlatformAppRegistry,
  ) {}

  async create(merchantId: string, dto: CreateShopDto): Promise<ShopView> {
    await this.assertPlatformShopFree(dto.platform, dto.platformShopId);
    await this.claimApp(merchantId, dto.platform, dto.appKey, dto.appSecret);
    const id = randomUUID();
    // the app secret lives with the app (core.platform_apps or PLATFORM_APPS), not in the shop
    const secrets: ShopSecrets = { appSecret: null, accessToken: dto.accessToken ?? null, refreshToken: dto.refreshToken ?? null };
    const shop = this.shops.create({
      id,
      merchantId,
      platform: dto.platform,
      platformShopId: dto.platformShopId,
      name: dto.name,
      appKey: dto.appKey,
      credentials: sealShopSecrets(this.box, id, secrets),
      tokenExpiresAt: dto.tokenExpiresAt ? new Date(dto.tokenExpiresAt) : null,
      locationState: dto.location?.state ?? null,
      locationCity: dto.location?.city ?? null,
      status: 'active',
      statusReason: null,
    });
    try {
      await this.shops.insert(shop);
    } catch (e) {
      throw mapUniqueViolation(e, dto.platform, dto.platformShopId);
    }
    this.logger.log(`shop ${id} (${dto.platform}/${dto.platformShopId}) registered for merchant ${merchantId}`);
    return this.view(await this.shops.findOneByOrFail({ id }));
  }

  async list(merchantId: string): Promise<ShopView[]> {
    const rows = await this.shops.find({ where: { merchantId }, order: { createdAt: 'ASC' } });
    return rows.map((s) => this.view(s));
  }

  async get(merchantId: string, id: string): Promise<ShopView> {
    return this.view(await this.owned(merchantId, id));
  }

  async update(merchantId: string, id: string, dto: UpdateShopDto): Promise<ShopView> {
    const shop = await this.owned(merchantId, id);
    const patch: Partial<Shop> = {};
    if (dto.name !== undefined) patch.name = dto.name;
    if (dto.appKey !== undefined && dto.appKey !== shop.appKey) {
      // moving to another app key: the same rule as registering (the operator's app, or this merchant's own)
      await this.claimApp(merchantId, shop.platform, dto.appKey, dto.appSecret);
      patch.appKey = dto.appKey;
    } else if (dto.appSecret !== undefined) {
      await this.ownership(() => this.apps.rotateSecret(merchantId, shop.platform, shop.appKey, dto.appSecret as string));
    }
    if (dto.tokenExpiresAt !== undefined) patch.tokenExpiresAt = new Date(dto.tokenExpiresAt);
    if (dto.location !== undefined) {
      patch.locationState = dto.location?.state ?? null;
      patch.locationCity = dto.location?.city ?? null;
    }

    const rotates = dto.accessToken !== undefined || dto.refreshToken !== undefined;
    if (rotates) {
      // a rotation must not silently drop secrets it does not mention; unreadable old ones need a full set
      const current = this.tryOpen(shop);
      if (current === null && (dto.accessToken === undefined || dto.refreshToken === undefined)) {
        throw new ConflictException(`shop ${id}: stored credentials cannot be decrypted; send accessToken and refreshToken to replace them`);
      }
      patch.credentials = sealShopSecrets(this.box, shop.id, {
        appSecret: current?.appSecret ?? null,
        accessToken: dto.accessToken ?? current?.accessToken ?? null,
        refreshToken: dto.refreshToken ?? current?.refreshToken ?? null,
      });
    }

    if (dto.status !== undefined) {
      patch.status = dto.status;
      patch.statusReason = dto.statusReason ?? (dto.status === 'active' ? null : 'set through the API');
    } else if (dto.accessToken !== undefined && shop.status === 'needs_reauth') {
      patch.status = 'active';
      patch.statusReason = null;
    } else if (dto.statusReason !== undefined) {
      patch.statusReason = dto.statusReason;
    }

    if (Object.keys(patch).length > 0 || dto.appSecret !== undefined) {
      if (Object.keys(patch).length > 0) await this.shops.update({ id: shop.id, merchantId }, patch);
      this.directory.invalidate(shop.id);
      this.logger.log(`shop ${shop.id} updated: ${[...Object.keys(patch), ...(dto.appSecret !== undefined ? ['appSecret'] : [])].join(', ')}`);
    }
    return this.view(await this.shops.findOneByOrFail({ id: shop.id }));
  }

  /** DELETE /shops/:id: disables (keeps the row, its orders and history). */
  async disable(merchantId: string, id: string): Promise<ShopView> {
    const shop = await this.owned(merchantId, id);
    if (shop.status !== 'disabled') {
      await this.shops.update({ id: shop.id, merchantId }, { status: 'disabled', statusReason: 'disabled through the API' });
      this.directory.invalidate(shop.id);
      this.logger.log(`shop ${shop.id} disabled`);
    }
    return this.view(await this.shops.findOneByOrFail({ id: shop.id }));
  }

  /**
   * For other features taking shop ids in a body: throws 404 naming the first id that is not
   * one of this merchant's shops (whether it does not exist or belongs to someone else).
   */
  async assertOwned(merchantId: string, shopIds: string[]): Promise<void> {
    const unique = [...new Set(shopIds)];
    if (unique.length === 0) return;
    const rows = await this.shops.find({ select: { id: true }, where: { merchantId, id: In(unique) } });
    const found = new Set(rows.map((r) => r.id));
    const missing = unique.find((id) => !found.has(id));
    if (missing !== undefined) throw new NotFoundException(`shop ${missing} not found`);
  }

  /**
   * Creates or updates the shop a platform authorisation (OAuth) proved: `platformShopId` authorised `appKey`
   * for this merchant. Another merchant's shop with that id is a 409 that does not say whose.
   */
  async upsertAuthorised(
    merchantId: string,
    a: { platform: Platform; platformShopId: string; appKey: string; name: string; tokens: TokenSet },
  ): Promise<{ view: ShopView; created: boolean }> {
    const existing = await this.shops.findOneBy({ platform: a.platform, platformShopId: a.platformShopId });
    if (existing && existing.merchantId !== merchantId) throw this.platformShopTaken(a.platform, a.platformShopId);
    const id = existing?.id ?? randomUUID();
    const credentials = sealShopSecrets(this.box, id, { appSecret: null, accessToken: a.tokens.accessToken, refreshToken: a.tokens.refreshToken });
    if (existing) {
      await this.shops.update(
        { id, merchantId },
        // a new authorisation is a new grant: its end is what this answer says (null where the platform does not say)
        { appKey: a.appKey, credentials, tokenExpiresAt: a.tokens.accessTokenExpiresAt, refreshTokenExpiresAt: a.tokens.refreshTokenExpiresAt ?? null, status: 'active', statusReason: null },
      );
      this.directory.invalidate(id);
      this.logger.log(`shop ${id} (${a.platform}/${a.platformShopId}) re-authorised for merchant ${merchantId}`);
    } else {
      try {
        await this.shops.insert(
          this.shops.create({
            id,
            merchantId,
            platform: a.platform,
            platformShopId: a.platformShopId,
            name: a.name,
            appKey: a.appKey,
            credentials,
            tokenExpiresAt: a.tokens.accessTokenExpiresAt,
            refreshTokenExpiresAt: a.tokens.refreshTokenExpiresAt ?? null,
            status: 'active',
            statusReason: null,
          }),
        );
      } catch (e) {
        throw mapUniqueViolation(e, a.platform, a.platformShopId);
      }
      this.logger.log(`shop ${id} (${a.platform}/${a.platformShopId}) authorised for merchant ${merchantId}`);
    }
    return { view: this.view(await this.shops.findOneByOrFail({ id })), created: !existing };
  }

  /** AppOwnershipError -> 409 (app key taken, secret differs) or 400 naming appSecret */
  async claimApp(merchantId: string, platform: Platform, appKey: string, appSecret: string | undefined): Promise<void> {
    await this.ownership(() => this.apps.claim(merchantId, platform, appKey, appSecret));
  }

  private async ownership<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof AppOwnershipError)) throw e;
      if (e.code === 'app_key_taken' || e.code === 'app_secret_mismatch') throw new ConflictException(e.message);
      throw new BadRequestException([e.message]);
    }
  }

  private async assertPlatformShopFree(platform: Platform, platformShopId: string): Promise<void> {
    if (await this.shops.existsBy({ platform, platformShopId })) throw this.platformShopTaken(platform, platformShopId);
  }

  private platformShopTaken(platform: string, platformShopId: string): ConflictException {
    return new ConflictException(`a ${platform} shop with platformShopId ${platformShopId} is already registered`);
  }

  private async owned(merchantId: string, id: string): Promise<Shop> {
    const shop = await this.shops.findOneBy({ id, merchantId });
    if (!shop) throw new NotFoundException(`shop ${id} not found`);
    return shop;
  }

  private view(shop: Shop): ShopView {
    return ShopView.of(shop, this.tryOpen(shop));
  }

  private tryOpen(shop: Shop): ShopSecrets | null {
    try {
      return openShopSecrets(this.box, shop);
    } catch (e) {
      if (!(e instanceof SecretBoxError)) throw e;
      this.logger.error(`shop ${shop.id}: stored credentials cannot be decrypted (${e.code})`);
      return null;
    }
  }
}

function mapUniqueViolation(e: unknown, platform: string, platformShopId: string): unknown {
  const driver = e instanceof QueryFailedError ? (e.driverError as { code?: string; constraint?: string }) : undefined;
  if (driver?.code === '23505' && driver.constraint === UNIQUE_PLATFORM_SHOP) {
    return new ConflictException(`a ${platform} shop with platformShopId ${platformShopId} is already registered`);
  }
  return e;
}
