export * from './platform';
export * from './order';
export * from './errors';
export * from './queues';
export * from './platform-apps';
export * from './exceptions';
export * from './redis-target';
export * from './coupons';
