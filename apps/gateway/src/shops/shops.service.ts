import { randomUUID } from 'node:crypto';
import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  SecretBox,
  SecretBoxError,
  Shop,
  ShopDirectoryService,
  type ShopSecrets,
  openShopSecrets,
  sealShopSecrets,
} from '@app/persistence';
import { In, QueryFailedError, type Repository } from 'typeorm';
import type { CreateShopDto } from './dto/create-shop.dto';
import { ShopView } from './dto/shop.view';
import type { UpdateShopDto } from './dto/update-shop.dto';
import { PLATFORM_PRODUCTION_BASE_URL } from './platform-hosts';

const UNIQUE_PLATFORM_SHOP = 'uq_shops_platform_platform_shop_id';

/** Shops of one merchant. Another merchant's shop id is always "not found", never its data. */
@Injectable()
export class ShopsService {
  private readonly logger = new Logger(ShopsService.name);

  constructor(
    @InjectRepository(Shop) private readonly shops: Repository<Shop>,
    private readonly box: SecretBox,
    private readonly directory: ShopDirectoryService,
  ) {}

  async create(merchantId: string, dto: CreateShopDto): Promise<ShopView> {
    const id = randomUUID();
    const secrets: ShopSecrets = { appSecret: dto.appSecret, accessToken: dto.accessToken ?? null, refreshToken: dto.refreshToken ?? null };
    const shop = this.shops.create({
      id,
      merchantId,
      platform: dto.platform,
      platformShopId: dto.platformShopId,
      name: dto.name,
      appKey: dto.appKey,
      baseUrl: stripTrailingSlash(dto.baseUrl ?? PLATFORM_PRODUCTION_BASE_URL[dto.platform]),
      credentials: sealShopSecrets(this.box, id, secrets),
      tokenExpiresAt: dto.tokenExpiresAt ? new Date(dto.tokenExpiresAt) : null,
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
    if (dto.appKey !== undefined) patch.appKey = dto.appKey;
    if (dto.baseUrl !== undefined) patch.baseUrl = stripTrailingSlash(dto.baseUrl);
    if (dto.tokenExpiresAt !== undefined) patch.tokenExpiresAt = new Date(dto.tokenExpiresAt);

    const rotates = dto.appSecret !== undefined || dto.accessToken !== undefined || dto.refreshToken !== undefined;
    if (rotates) {
      // a rotation must not silently drop secrets it does not mention; unreadable old ones need a full set
      const current = this.tryOpen(shop);
      const appSecret = dto.appSecret ?? current?.appSecret;
      if (appSecret === undefined) {
        throw new ConflictException(`shop ${id}: stored credentials cannot be decrypted; send appSecret to replace them`);
      }
      patch.credentials = sealShopSecrets(this.box, shop.id, {
        appSecret,
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

    if (Object.keys(patch).length > 0) {
      await this.shops.update({ id: shop.id, merchantId }, patch);
      this.directory.invalidate(shop.id);
      this.logger.log(`shop ${shop.id} updated: ${Object.keys(patch).join(', ')}`);
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

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function mapUniqueViolation(e: unknown, platform: string, platformShopId: string): unknown {
  const driver = e instanceof QueryFailedError ? (e.driverError as { code?: string; constraint?: string }) : undefined;
  if (driver?.code === '23505' && driver.constraint === UNIQUE_PLATFORM_SHOP) {
    return new ConflictException(`a ${platform} shop with platformShopId ${platformShopId} is already registered`);
  }
  return e;
}
