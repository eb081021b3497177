export * from '@app/testing/fakes';
export * from './fake-erp-connector';
export * from './push-message';
