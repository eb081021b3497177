import type { SecretBox } from '../crypto/secret-box';
import type { ErpConnection, ErpConnectionSecrets } from './entities/erp-connection.entity';

/** Associated data binding an ERP connection's credentials to its merchant: a blob copied to another merchant fails to open. */
export function erpCredentialsAad(merchantId: string): string {
  return `core.erp_connections/${merchantId}/credentials`;
}

export function sealErpSecrets(box: SecretBox, merchantId: string, secrets: ErpConnectionSecrets): Buffer {
  const clean: ErpConnectionSecrets = {};
  if (secrets.secret !== undefined) clean.secret = secrets.secret;
  if (secrets.appSecret !== undefined) clean.appSecret = secrets.appSecret;
  if (secrets.accessToken !== undefined) clean.accessToken = secrets.accessToken;
  return box.sealJson(clean, erpCredentialsAad(merchantId));
}

export function openErpSecrets(box: SecretBox, row: Pick<ErpConnection, 'merchantId' | 'credentials'>): ErpConnectionSecrets {
  if (row.credentials === null) return {};
  return box.openJson<ErpConnectionSecrets>(row.credentials, erpCredentialsAad(row.merchantId));
}
