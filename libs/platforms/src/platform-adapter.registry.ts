import type { Platform } from '@app/contracts';
import type { PlatformAdapter } from './platform-adapter.port';

/** Finds the adapter of a platform. */
export class PlatformAdapterRegistry {
  private readonly byPlatform: ReadonlyMap<Platform, PlatformAdapter>;

  constructor(adapters: PlatformAdapter[]) {
    this.byPlatform = new Map(adapters.map((a) => [a.platform, a] as const));
  }

  get(platform: Platform): PlatformAdapter {
    const a = this.byPlatform.get(platform);
    if (!a) throw new Error(`no adapter for platform ${platform}`);
    return a;
  }

  all(): PlatformAdapter[] {
    return [...this.byPlatform.values()];
  }
}
