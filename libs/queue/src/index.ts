export * from './connections';
export * from './job-options';
export * from './enqueue';
export * from './instrumented-worker';
export * from './queue-module.options';
export * from './queue-health.service';
export * from './worker-drain';
export * from './queue.module';
