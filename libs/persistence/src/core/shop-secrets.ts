import type { SecretBox } from '../crypto/secret-box';
import type { Shop, ShopSecrets } from './entities/shop.entity';

/** Associated data binding a shop's credentials blob to its row: a blob copied elsewhere fails to open. */
export function shopCredentialsAad(shopId: string): string {
  return `core.shops/${shopId}/credentials`;
}

export function sealShopSecrets(box: SecretBox, shopId: string, secrets: ShopSecrets): Buffer {
  const clean: ShopSecrets = {
    appSecret: secrets.appSecret ?? null,
    accessToken: secrets.accessToken ?? null,
    refreshToken: secrets.refreshToken ?? null,
  };
  return box.sealJson(clean, shopCredentialsAad(shopId));
}

export function openShopSecrets(box: SecretBox, shop: Pick<Shop, 'id' | 'credentials'>): ShopSecrets {
  const s = box.openJson<Partial<ShopSecrets>>(shop.credentials, shopCredentialsAad(shop.id));
  return { appSecret: typeof s.appSecret === 'string' ? s.appSecret : null, accessToken: s.accessToken ?? null, refreshToken: s.refreshToken ?? null };
}

/** Associated data binding a platform app's sealed secret to its row. */
export function platformAppSecretAad(appId: string): string {
  return `core.platform_apps/${appId}/secret`;
}
