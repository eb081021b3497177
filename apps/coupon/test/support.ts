import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';

/** Makes the given providers (DataSource, ShopDirectory, PlatformAdapterRegistry) global for a test's module. */
@Global()
@Module({})
export class PortsModule {
  static register(providers: Provider[]): DynamicModule {
    return { module: PortsModule, global: true, providers, exports: providers.map((p) => (p as unknown as { provide: never }).provide) };
  }
}

/** polls `probe` every 50 ms until it answers something truthy */
export async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
