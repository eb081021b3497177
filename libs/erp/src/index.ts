export * from './erp-connector.port';
export * from './erp-options';
export * from './erp-connector.factory';
export * from './generic/generic-signature';
export * from './generic/generic-http.wire';
export * from './generic/generic-http-erp.connector';
export * from './jushuitan/jushuitan-erp.connector';
export * from './jushuitan/jushuitan.mapping';
// ErpModule: import from '@app/erp/erp.module' (Nest is ESM-only; this barrel stays loadable by jest)
export * from './erp-url';
export * from './erp-connection.factory';
export * from './erp-test-send';
export * from './erp-failure';
