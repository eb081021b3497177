export * from './platform-adapter.port';
export * from './signing';
