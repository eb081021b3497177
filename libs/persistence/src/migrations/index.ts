import { CreateCoreSchema1795570000000 } from './1795570000000-CreateCoreSchema';
import { CreateMerchantsTable1795570000001 } from './1795570000001-CreateMerchantsTable';
import { CreateShopsTable1795570000002 } from './1795570000002-CreateShopsTable';
import { CreateApiKeysTable1795570000003 } from './1795570000003-CreateApiKeysTable';
import { AddApiKeysExpiresAt1795570000300 } from './1795570000300-AddApiKeysExpiresAt';
import { CreateAuditLogTable1795570000301 } from './1795570000301-CreateAuditLogTable';

export {
  CreateCoreSchema1795570000000,
  CreateMerchantsTable1795570000001,
  CreateShopsTable1795570000002,
  CreateApiKeysTable1795570000003,
  AddApiKeysExpiresAt1795570000300,
  CreateAuditLogTable1795570000301,
};

/** Schema `core` (merchants, shops, api_keys), in order. Never edit one after merge: add a new one. */
export const CORE_MIGRATIONS: Function[] = [
  CreateCoreSchema1795570000000,
  CreateMerchantsTable1795570000001,
  CreateShopsTable1795570000002,
  CreateApiKeysTable1795570000003,
  AddApiKeysExpiresAt1795570000300,
  CreateAuditLogTable1795570000301,
];
