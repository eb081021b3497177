import type { Platform } from '@app/contracts';
import type { PlatformAdapter } from '@app/platforms';

/**
 * Finds the adapter for a platform. The platforms lib's PlatformAdapterRegistry satisfies it:
 * `{ provide: PlatformAdapterLookup, useExisting: PlatformAdapterRegistry }`.
 */
export abstract class PlatformAdapterLookup {
  abstract get(platform: Platform): PlatformAdapter;
}
