/**
 * order-sync's singleton loops hold their leases in `order_sync.leases` (the default table of the shared
 * LeaderLock / LeaderLoop in libs/persistence; the gateway's alert loops use `core.leases`).
 */
export { DEFAULT_LEASE_TTL_MS, LeaderLock, LeaderLoop } from '@app/persistence/leases/leader-lock';
