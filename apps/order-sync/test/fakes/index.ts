export * from '@app/testing/fakes';
export * from './fake-erp-connector';
export * from './push-message';
export * from './fake-poll-cursors.repository';
export * from './fake-sla-ledger.repository';
