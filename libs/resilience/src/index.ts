export * from './breaker-registry';
export * from './aimd-limiter';
export * from './adaptive-timeout';
export * from './redis-rate-limiter';
export * from './usage-meter';
// ResilienceModule (Nest) is imported from '@app/resilience/resilience.module': @nestjs/common 12 is
// ESM-only and jest (CommonJS) cannot load it, so the barrel stays Nest-free for unit tests.
