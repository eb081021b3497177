export * from '@app/testing/fakes';
export * from './fake-erp-connector';
export * from './push-message';
export * from './fake-erp-lanes';
export * from './fake-outbox-repository';
export * from './fake-shipments-repository';
export * from './fake-shipment-queue';
