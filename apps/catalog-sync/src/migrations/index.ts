import { CATALOG_MIGRATIONS } from './catalog';
import { STOCK_MIGRATIONS } from './stock';

export const CATALOG_SYNC_MIGRATIONS: Function[] = [...CATALOG_MIGRATIONS, ...STOCK_MIGRATIONS];
