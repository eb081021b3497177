import { CreateExceptionResolutions1795575603000 } from './1795575603000-CreateExceptionResolutions';
import { CreateOrderSyncSchema1795575600000 } from './1795575600000-CreateOrderSyncSchema';
import { CreateInboxTable1795575600100 } from './1795575600100-CreateInboxTable';
import { CreateOrdersTable1795575600200 } from './1795575600200-CreateOrdersTable';
import { CreateOrderTransitionsRejectedTable1795575600300 } from './1795575600300-CreateOrderTransitionsRejectedTable';
import { CreateOutboxTable1795575600400 } from './1795575600400-CreateOutboxTable';
import { CreateSlaEventsTable1795575600500 } from './1795575600500-CreateSlaEventsTable';
import { CreatePollCursorsTable1795575600600 } from './1795575600600-CreatePollCursorsTable';
import { CreateLeasesTable1795575600700 } from './1795575600700-CreateLeasesTable';
import { CreateShipmentsTable1795575600800 } from './1795575600800-CreateShipmentsTable';
import { AddShipmentsSeq1795575600900 } from './1795575600900-AddShipmentsSeq';
import { KeyOrdersByShop1795575601000 } from './1795575601000-KeyOrdersByShop';
import { KeyShipmentsByMerchant1795575601001 } from './1795575601001-KeyShipmentsByMerchant';
import { CreateOrdersRefusedTable1795575601002 } from './1795575601002-CreateOrdersRefusedTable';
import { SealBuyerData1795575601003 } from './1795575601003-SealBuyerData';
import { KeyInboxByAppKey1795575601100 } from './1795575601100-KeyInboxByAppKey';
import { AddOutboxMerchantId1795575601200 } from './1795575601200-AddOutboxMerchantId';
import { ExtendSlaEventsLedger1795575602000 } from './1795575602000-ExtendSlaEventsLedger';
import { CreateDependencyOutagesTable1795575602001 } from './1795575602001-CreateDependencyOutagesTable';
import { AddInboxPaidAt1795575602002 } from './1795575602002-AddInboxPaidAt';
import { AddOutboxPendingPushByMerchantIndex1795575602100 } from './1795575602100-AddOutboxPendingPushByMerchantIndex';
import { AddOrdersFoundByPollAt1795575602200 } from './1795575602200-AddOrdersFoundByPollAt';
import { AddPollCursorsCadence1795575602201 } from './1795575602201-AddPollCursorsCadence';
import { AddOrdersShopSlaStartedAtIndex1796310000000 } from './1796310000000-AddOrdersShopSlaStartedAtIndex';
import { AddOrdersShopErpAckedAtIndex1796310000100 } from './1796310000100-AddOrdersShopErpAckedAtIndex';
import { CreateRetentionSettings1796350000000 } from './1796350000000-CreateRetentionSettings';
import { CreateStockEvents1796400000100 } from './1796400000100-CreateStockEvents';
import { CreateErpAttempts1796400000500 } from './1796400000500-CreateErpAttempts';
import { AddOrdersRefusedUnknownStatus1796500000000 } from './1796500000000-AddOrdersRefusedUnknownStatus';
import { CreateCouponEvents1796500000200 } from './1796500000200-CreateCouponEvents';

/** Schema `order_sync`, in order. Appended to ALL_MIGRATIONS in scripts/migrations.ts. */
export const ORDER_SYNC_MIGRATIONS: Function[] = [
  CreateOrderSyncSchema1795575600000,
  CreateInboxTable1795575600100,
  CreateOrdersTable1795575600200,
  CreateOrderTransitionsRejectedTable1795575600300,
  CreateOutboxTable1795575600400,
  CreateSlaEventsTable1795575600500,
  CreatePollCursorsTable1795575600600,
  CreateLeasesTable1795575600700,
  CreateShipmentsTable1795575600800,
  AddShipmentsSeq1795575600900,
  KeyOrdersByShop1795575601000,
  KeyShipmentsByMerchant1795575601001,
  CreateOrdersRefusedTable1795575601002,
  SealBuyerData1795575601003,
  KeyInboxByAppKey1795575601100,
  AddOutboxMerchantId1795575601200,
  ExtendSlaEventsLedger1795575602000,
  CreateDependencyOutagesTable1795575602001,
  AddInboxPaidAt1795575602002,
  AddOutboxPendingPushByMerchantIndex1795575602100,
  AddOrdersFoundByPollAt1795575602200,
  AddPollCursorsCadence1795575602201,
  CreateExceptionResolutions1795575603000,
  AddOrdersShopSlaStartedAtIndex1796310000000,
  AddOrdersShopErpAckedAtIndex1796310000100,
  CreateRetentionSettings1796350000000,
  CreateStockEvents1796400000100,
  CreateErpAttempts1796400000500,
  AddOrdersRefusedUnknownStatus1796500000000,
  CreateCouponEvents1796500000200,
];
