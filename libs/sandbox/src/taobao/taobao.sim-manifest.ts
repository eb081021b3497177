import type { SimulatorManifest } from '../core/simulator-manifest';
import { TAOBAO_DEMO_SHOP, TaobaoSimulator } from './taobao.simulator';

export const taobaoSimulatorManifest = {
  platform: 'taobao' as const,
  create: (opts) => new TaobaoSimulator(opts),
  demoShop: TAOBAO_DEMO_SHOP,
  gatewayPath: '/router/rest',
  defaultPort: 4102,
} satisfies SimulatorManifest<TaobaoSimulator>;
