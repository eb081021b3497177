export * from './erp-simulator';
