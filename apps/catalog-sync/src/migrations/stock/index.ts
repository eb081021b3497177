import { RingFencedPlatformReferencesPlatforms1796201000100 } from './1796201000100-RingFencedPlatformReferencesPlatforms';
import { CreateStockTables1796100000000 } from './1796100000000-CreateStockTables';
import { CreatePriceTierTables1796100000001 } from './1796100000001-CreatePriceTierTables';
import { AddStockPushesAnchoredAt1796100000002 } from './1796100000002-AddStockPushesAnchoredAt';
import { KeyStockReservationsByShop1796100000100 } from './1796100000100-KeyStockReservationsByShop';
import { AddStockPushesFullPushInFlight1796400000000 } from './1796400000000-AddStockPushesFullPushInFlight';
import { CreateUnmappedSkus1796400000400 } from './1796400000400-CreateUnmappedSkus';

/** Stock and price-tier tables (numbered 17961xxxxxxxx, after the catalog's). Append new migrations here. */
export const STOCK_MIGRATIONS: Function[] = [CreateStockTables1796100000000, CreatePriceTierTables1796100000001, AddStockPushesAnchoredAt1796100000002,
  KeyStockReservationsByShop1796100000100,
  RingFencedPlatformReferencesPlatforms1796201000100,
  AddStockPushesFullPushInFlight1796400000000,
  CreateUnmappedSkus1796400000400,
];
