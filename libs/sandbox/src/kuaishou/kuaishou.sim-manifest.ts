import type { SimulatorManifest } from '../core/simulator-manifest';
import { KS_DEMO_SHOP, KS_GATEWAY_PATH, KuaishouSimulator } from './kuaishou.simulator';

export const kuaishouSimulatorManifest = {
  platform: 'kuaishou' as const,
  create: (opts) => new KuaishouSimulator(opts),
  demoShop: KS_DEMO_SHOP,
  gatewayPath: KS_GATEWAY_PATH,
  defaultPort: 4110,
} satisfies SimulatorManifest<KuaishouSimulator>;
