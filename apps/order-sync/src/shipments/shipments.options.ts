import { DEFAULT_LEASE_TTL_MS } from '../shared/leader-lock';

/** Tunables of the shipment write-back (see ShipmentsFeatureModule.register). */
export interface ShipmentsOptions {
  /** ship-order jobs in flight per worker */
  concurrency: number;
  /** how long a claimed shipment is reserved for the worker that claimed it (longer than one platform call) */
  leaseSec: number;
  sweepIntervalMs: number;
  /** pending shipments older than this (and not due or leased within it) get their job back */
  sweepStaleAfterMs: number;
  sweepBatch: number;
  /** the sweeper's lease (shared/leader-lock.ts): a dead leader is replaced within this plus a third of it */
  leaderLeaseTtlMs: number;
  /** start the sweeper interval on bootstrap; tests drive it by hand */
  backgroundLoops: boolean;
}

export const DEFAULT_SHIPMENTS_OPTIONS: ShipmentsOptions = {
  concurrency: 4,
  leaseSec: 60,
  sweepIntervalMs: 5000,
  sweepStaleAfterMs: 15_000,
  sweepBatch: 500,
  leaderLeaseTtlMs: DEFAULT_LEASE_TTL_MS,
  backgroundLoops: true,
};

export const SHIPMENTS_OPTIONS = Symbol('SHIPMENTS_OPTIONS');
