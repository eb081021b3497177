export * from './data-source';
export * from './crypto/secret-box';
export * from './core/entities';
export * from './core/shop-secrets';
export * from './persistence.module';
export * from './typeorm-logger';
export * from './shop-directory/shop-directory.service';
export * from './shop-directory/shop-directory.module';
export { CORE_MIGRATIONS } from './migrations';
