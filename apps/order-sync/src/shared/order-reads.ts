import type { Platform } from '@app/contracts';

/**
 * UsageMeter key of a shop's order reads: order changes the order path had to read from the platform (counted
 * by the ingest, read by ops' quota figures).
 */
export function orderReadsKey(platform: Platform, shopId: string): string {
  return `${platform}:${shopId}:orders`;
}
