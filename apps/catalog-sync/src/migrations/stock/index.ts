/** Stock and price-tier tables (numbered 17961xxxxxxxx, after the catalog's). Append new migrations here. */
export const STOCK_MIGRATIONS: Function[] = [];
