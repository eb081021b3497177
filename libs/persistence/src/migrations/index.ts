import { CreatePlatformsTable1795575611000 } from './1795575611000-CreatePlatformsTable';
import { CreateCoreSchema1795570000000 } from './1795570000000-CreateCoreSchema';
import { CreateMerchantsTable1795570000001 } from './1795570000001-CreateMerchantsTable';
import { CreateShopsTable1795570000002 } from './1795570000002-CreateShopsTable';
import { CreateApiKeysTable1795570000003 } from './1795570000003-CreateApiKeysTable';
import { CreatePlatformAppsTable1795570000100 } from './1795570000100-CreatePlatformAppsTable';
import { DropShopsBaseUrl1795570000101 } from './1795570000101-DropShopsBaseUrl';
import { CreateOauthStatesTable1795570000102 } from './1795570000102-CreateOauthStatesTable';
import { CreateErpConnectionsTable1795570000200 } from './1795570000200-CreateErpConnectionsTable';
import { AddApiKeysExpiresAt1795570000300 } from './1795570000300-AddApiKeysExpiresAt';
import { CreateAuditLogTable1795570000301 } from './1795570000301-CreateAuditLogTable';
import { AddErpConnectionsMaxInFlight1795575602101 } from './1795575602101-AddErpConnectionsMaxInFlight';
import { CreateLeasesTable1796300000000 } from './1796300000000-CreateLeasesTable';
import { CreateAlertChannelsTable1796300000001 } from './1796300000001-CreateAlertChannelsTable';
import { CreateAlertsTable1796300000002 } from './1796300000002-CreateAlertsTable';
import { CreateAlertSilencesTable1796300000003 } from './1796300000003-CreateAlertSilencesTable';
import { CreateAlertDeliveriesTable1796300000004 } from './1796300000004-CreateAlertDeliveriesTable';
import { AddShopsLocation1796500000700 } from './1796500000700-AddShopsLocation';
import { AddShopsRefreshTokenExpiresAt1796500000800 } from './1796500000800-AddShopsRefreshTokenExpiresAt';

export {
  CreateCoreSchema1795570000000,
  CreateMerchantsTable1795570000001,
  CreateShopsTable1795570000002,
  CreateApiKeysTable1795570000003,
  CreatePlatformAppsTable1795570000100,
  DropShopsBaseUrl1795570000101,
  CreateOauthStatesTable1795570000102,
  CreateErpConnectionsTable1795570000200,
  AddApiKeysExpiresAt1795570000300,
  CreateAuditLogTable1795570000301,
};

/** Schema `core` (merchants, shops, api_keys, erp_connections), in order. Never edit one after merge: add a new one. */
export const CORE_MIGRATIONS: Function[] = [
  CreateCoreSchema1795570000000,
  CreateMerchantsTable1795570000001,
  CreateShopsTable1795570000002,
  CreateApiKeysTable1795570000003,
  CreatePlatformAppsTable1795570000100,
  DropShopsBaseUrl1795570000101,
  CreateOauthStatesTable1795570000102,
  CreateErpConnectionsTable1795570000200,
  AddApiKeysExpiresAt1795570000300,
  CreateAuditLogTable1795570000301,
  AddErpConnectionsMaxInFlight1795575602101,
  CreatePlatformsTable1795575611000,
  CreateLeasesTable1796300000000,
  CreateAlertChannelsTable1796300000001,
  CreateAlertsTable1796300000002,
  CreateAlertSilencesTable1796300000003,
  CreateAlertDeliveriesTable1796300000004,
  AddShopsLocation1796500000700,
  AddShopsRefreshTokenExpiresAt1796500000800,
];
export { syncPlatformsTable } from './1795575611000-CreatePlatformsTable';
