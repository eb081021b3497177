/**
 * Every migration of every app, in one list: `npm run migrate` and the test database helper apply it.
 * Each owner keeps its migrations beside its code and exports them from its migrations/index.ts:
 *   libs/persistence/src/migrations (schema `core`: merchants, shops, api_keys)
 *   apps/order-sync/src/migrations   (schema `order_sync`)
 *   apps/catalog-sync/src/migrations (schema `catalog_sync`)
 *   apps/coupon/src/migrations       (schema `coupon`)
 */
import { CORE_MIGRATIONS } from '@app/persistence/migrations';
import { ORDER_SYNC_MIGRATIONS } from '../apps/order-sync/src/migrations';
import { CATALOG_SYNC_MIGRATIONS } from '../apps/catalog-sync/src/migrations';
import { COUPON_MIGRATIONS } from '../apps/coupon/src/migrations';

export const ALL_MIGRATIONS: Function[] = [...CORE_MIGRATIONS, ...ORDER_SYNC_MIGRATIONS, ...CATALOG_SYNC_MIGRATIONS, ...COUPON_MIGRATIONS];
