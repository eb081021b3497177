import type { SimulatorManifest } from '../core/simulator-manifest';
import { XHS_DEMO_SHOP, XHS_GATEWAY_PATH, XiaohongshuSimulator } from './xiaohongshu.simulator';

export const xiaohongshuSimulatorManifest = {
  platform: 'xiaohongshu' as const,
  create: (opts) => new XiaohongshuSimulator(opts),
  demoShop: XHS_DEMO_SHOP,
  gatewayPath: XHS_GATEWAY_PATH,
  defaultPort: 4103,
} satisfies SimulatorManifest<XiaohongshuSimulator>;
