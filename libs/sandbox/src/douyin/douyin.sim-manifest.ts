import type { SimulatorManifest } from '../core/simulator-manifest';
import { DOUYIN_DEMO_SHOP, DouyinSimulator } from './douyin.simulator';

export const douyinSimulatorManifest = {
  platform: 'douyin' as const,
  create: (opts) => new DouyinSimulator(opts),
  demoShop: DOUYIN_DEMO_SHOP,
  gatewayPath: '/<method/path>',
  defaultPort: 4101,
} satisfies SimulatorManifest<DouyinSimulator>;
