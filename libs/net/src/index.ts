export * from './outbound-purpose';
export * from './outbound-url-refused.error';
export * from './address-class';
export * from './outbound-policy';
export * from './outbound-agents';
export * from './outbound-http';
export * from './outbound-env';
