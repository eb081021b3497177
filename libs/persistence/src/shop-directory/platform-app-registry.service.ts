import { randomUUID, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Platform } from '@app/contracts';
import { PLATFORM_OPERATOR_CONFIG, type PlatformOperatorConfig } from '@app/platforms';
import { In, Not, QueryFailedError, type Repository } from 'typeorm';
import { SecretBox } from '../crypto/secret-box';
import { PlatformApp } from '../core/entities/platform-app.entity';
import { Shop } from '../core/entities/shop.entity';
import { openShopSecrets, platformAppSecretAad } from '../core/shop-secrets';

export type AppOwnershipErrorCode =
  /** the app key is another merchant's app (never says whose) */
  | 'app_key_taken'
  /** the merchant's own app is registered with a different secret */
  | 'app_secret_mismatch'
  /** a new self-developed app needs its secret */
  | 'app_secret_required'
  /** the operator's ISV app: its secret is configuration, never sent by a merchant */
  | 'operator_app_secret';

export class AppOwnershipError extends Error {
  override readonly name = 'AppOwnershipError';
  constructor(
    readonly code: AppOwnershipErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type AppKind = 'operator' | 'own';

const UNIQUE_APP_KEY = 'uq_platform_apps_platform_app_key';

/**
 * Who owns a platform app key, and its one secret. An app key is either the operator's ISV app (PLATFORM_APPS,
 * shared by many merchants' shops) or one merchant's self-developed app (core.platform_apps). Nothing here ever
 * picks a secret from another merchant's shop.
 */
@Injectable()
export class PlatformAppRegistry {
  constructor(
    @InjectRepository(PlatformApp) private readonly apps: Repository<PlatformApp>,
    @InjectRepository(Shop) private readonly shops: Repository<Shop>,
    private readonly box: SecretBox,
    @Inject(PLATFORM_OPERATOR_CONFIG) private readonly operator: PlatformOperatorConfig,
  ) {}

  /** The secret that verifies this app's pushes and signs its calls; null when nobody has registered the key. */
  async secretFor(platform: Platform, appKey: string): Promise<string | null> {
    const isv = this.operator.operatorApp(platform, appKey);
    if (isv) return isv.appSecret;
    const row = await this.apps.findOneBy({ platform, appKey });
    if (!row) return null;
    if (row.secret) return this.open(row);
    // carried over from before core.platform_apps: the secret sealed in the OWNER's own shops, never anyone else's
    const legacy = await this.shops.find({
      where: { platform, appKey, merchantId: row.merchantId, status: Not('disabled') },
      order: { updatedAt: 'DESC' },
      take: 5,
    });
    for (const shop of legacy) {
      const secret = openShopSecrets(this.box, shop).appSecret;
      if (secret) return secret;
    }
    return null;
  }

  /**
   * The app secrets for shops (one query for all): the operator's app, or the shop's merchant's own app. A shop
   * whose app key is another merchant's app (or nobody's) gets null: it cannot be called or verified.
   */
  async secretsForShops(shops: Shop[]): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    const needRows = shops.filter((s) => !this.operator.operatorApp(s.platform, s.appKey));
    const rows = needRows.length === 0 ? [] : await this.apps.findBy({ appKey: In([...new Set(needRows.map((s) => s.appKey))]) });
    const byKey = new Map(rows.map((r) => [`${r.platform}/${r.appKey}`, r]));
    for (const shop of shops) {
      const isv = this.operator.operatorApp(shop.platform, shop.appKey);
      if (isv) {
        out.set(shop.id, isv.appSecret);
        continue;
      }
      const row = byKey.get(`${shop.platform}/${shop.appKey}`);
      if (!row || row.merchantId !== shop.merchantId) out.set(shop.id, null);
      else out.set(shop.id, row.secret ? this.open(row) : openShopSecrets(this.box, shop).appSecret);
    }
    return out;
  }

  /**
   * Makes sure `merchantId` may use the app key: the operator's app (appSecret must not be sent), the merchant's
   * own app (a sent appSecret must equal the registered one; a carried-over app without a sealed secret takes
   * it), or a new app key, registered now as the merchant's own (appSecret required). Throws AppOwnershipError.
   */
  async claim(merchantId: string, platform: Platform, appKey: string, appSecret: string | undefined): Promise<AppKind> {
    if (this.operator.operatorApp(platform, appKey)) {
      if (appSecret !== undefined) throw new AppOwnershipError('operator_app_secret', `appSecret must not be sent: ${platform} app ${appKey} is the operator's service-provider app`);
      return 'operator';
    }
    const row = await this.apps.findOneBy({ platform, appKey });
    if (row) {
      this.assertOwner(row, merchantId);
      if (appSecret === undefined) return 'own';
      if (!row.secret) {
        await this.apps.update({ id: row.id }, { secret: this.seal(row.id, appSecret) });
        return 'own';
      }
      if (!sameSecret(this.open(row), appSecret)) {
        throw new AppOwnershipError('app_secret_mismatch', `appSecret does not match the one registered for ${platform} app ${appKey}; change it with PATCH /shops/:id {appSecret}`);
      }
      return 'own';
    }
    if (appSecret === undefined) throw new AppOwnershipError('app_secret_required', `appSecret is required: ${platform} app ${appKey} is not registered yet`);
    const id = randomUUID();
    try {
      await this.apps.insert({ id, platform, appKey, merchantId, secret: this.seal(id, appSecret) });
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      // registered concurrently: only its owner may go on, and only with the same secret
      return this.claim(merchantId, platform, appKey, appSecret);
    }
    return 'own';
  }

  /** Replaces the secret of the merchant's own app (every shop of the app uses it from now on). */
  async rotateSecret(merchantId: string, platform: Platform, appKey: string, appSecret: string): Promise<void> {
    if (this.operator.operatorApp(platform, appKey)) {
      throw new AppOwnershipError('operator_app_secret', `appSecret must not be sent: ${platform} app ${appKey} is the operator's service-provider app`);
    }
    const row = await this.apps.findOneBy({ platform, appKey });
    if (!row) {
      await this.claim(merchantId, platform, appKey, appSecret);
      return;
    }
    this.assertOwner(row, merchantId);
    await this.apps.update({ id: row.id }, { secret: this.seal(row.id, appSecret) });
  }

  private assertOwner(row: PlatformApp, merchantId: string): void {
    // the same answer whoever the owner is: no merchant learns another's apps
    if (row.merchantId !== merchantId) throw new AppOwnershipError('app_key_taken', `${row.platform} app key ${row.appKey} is already registered`);
  }

  private seal(id: string, secret: string): Buffer {
    return this.box.sealJson({ appSecret: secret }, platformAppSecretAad(id));
  }

  private open(row: PlatformApp): string {
    return this.box.openJson<{ appSecret: string }>(row.secret as Buffer, platformAppSecretAad(row.id)).appSecret;
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function isUniqueViolation(e: unknown): boolean {
  const d = e instanceof QueryFailedError ? (e.driverError as { code?: string; constraint?: string }) : undefined;
  return d?.code === '23505' && d.constraint === UNIQUE_APP_KEY;
}
