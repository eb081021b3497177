import { Global, Module } from '@nestjs/common';
import { PlatformAdapterRegistry } from '@app/platforms/platform-adapter.registry';
import { PlatformAdapterLookup } from './platform-adapter-lookup.port';

/** Binds the PlatformAdapterLookup port to the adapters' registry (from PlatformRuntimeModule). */
@Global()
@Module({
  providers: [{ provide: PlatformAdapterLookup, useExisting: PlatformAdapterRegistry }],
  exports: [PlatformAdapterLookup],
})
export class PlatformLookupModule {}
