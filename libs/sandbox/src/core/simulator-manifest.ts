import type { PlatformSimulator } from './simulator';
import type { SimShopConfig, SimulatorOptions } from './types';

/**
 * The sandbox side of a platform (libs/sandbox/src/<platform>/<platform>.sim-manifest.ts), listed once in
 * libs/sandbox/src/registry.ts. libs/platforms never imports the sandbox; the sandbox registry checks that
 * every simulator names a platform of the platform registry.
 */
export interface SimulatorManifest<S extends PlatformSimulator = PlatformSimulator> {
  /** the platform's registry name */
  readonly platform: string;
  /** builds the simulator (not yet listening) */
  create(opts: SimulatorOptions): S;
  /** the demo shop the simulator starts with */
  readonly demoShop: SimShopConfig;
  /** what the sandbox's banner prints as the API gateway path */
  readonly gatewayPath: string;
  /** default port of `npm run sandbox` (SANDBOX_<NAME>_PORT overrides it) */
  readonly defaultPort: number;
}
