import type { OrderSyncOptions } from '../order-sync.options';

/** IngestModule's share of OrderSyncOptions: batching, coalescing, detail calls, the skew guard, the push chunk of the jobs it enqueues. */
export const INGEST_OPTIONS_KEYS = ['ingestBatchSize', 'ingestBatchWaitMs', 'ingestConcurrency', 'coalesceMinOrders', 'coalesceMaxPages', 'detailConcurrency', 'maxFutureSkewMs', 'erpPushChunk'] as const;
export type IngestOptions = Pick<OrderSyncOptions, (typeof INGEST_OPTIONS_KEYS)[number]>;
export const INGEST_OPTIONS = Symbol('INGEST_OPTIONS');
