export * from './platform-adapter.port';
export * from './signing';
export * from './shop-directory.port';
