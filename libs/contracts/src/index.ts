export * from './platform';
export * from './order';
export * from './errors';
export * from './queues';
