import { ApiKey } from './api-key.entity';
import { AuditLogEntry } from './audit-log-entry.entity';
import { Merchant } from './merchant.entity';
import { Shop } from './shop.entity';

export { ApiKey, AuditLogEntry, Merchant, Shop };
export type { ShopSecrets } from './shop.entity';

/** Entities of the `core` schema, registered by PersistenceModule.forRoot. */
export const CORE_ENTITIES = [Merchant, Shop, ApiKey, AuditLogEntry];
