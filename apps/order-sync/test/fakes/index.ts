export * from './fake-platform-adapter';
export * from './fake-shop-directory';
export * from './fake-erp-connector';
export * from './push-message';
