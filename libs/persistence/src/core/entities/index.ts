import { ApiKey } from './api-key.entity';
import { AuditLogEntry } from './audit-log-entry.entity';
import { ErpConnection } from './erp-connection.entity';
import { Merchant } from './merchant.entity';
import { OauthState } from './oauth-state.entity';
import { PlatformApp } from './platform-app.entity';
import { Shop } from './shop.entity';

export { ApiKey, AuditLogEntry, ErpConnection, Merchant, OauthState, PlatformApp, Shop };
export type { ErpConnectionConnector, ErpConnectionSecrets } from './erp-connection.entity';
export type { ShopSecrets } from './shop.entity';

/** Entities of the `core` schema, registered by PersistenceModule.forRoot. */
export const CORE_ENTITIES = [Merchant, Shop, ApiKey, PlatformApp, OauthState, ErpConnection, AuditLogEntry];
