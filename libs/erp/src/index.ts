export * from './erp-connector.port';
