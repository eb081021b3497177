import { platformRegistry } from '@app/platforms';
import type { SimulatorManifest } from './core/simulator-manifest';
import { douyinSimulatorManifest } from './douyin/douyin.sim-manifest';
import { kuaishouSimulatorManifest } from './kuaishou/kuaishou.sim-manifest';
import { taobaoSimulatorManifest } from './taobao/taobao.sim-manifest';
import { xiaohongshuSimulatorManifest } from './xiaohongshu/xiaohongshu.sim-manifest';

/** THE list of simulators: one line per platform (see libs/platforms/src/registry.ts). */
export const SIMULATOR_MANIFESTS = [
  douyinSimulatorManifest,
  taobaoSimulatorManifest,
  xiaohongshuSimulatorManifest,
  kuaishouSimulatorManifest,
] as const;

/** the simulator manifest of a registered platform; throws for an unknown platform or one without a simulator */
export function simulatorManifest(platform: string): SimulatorManifest {
  platformRegistry.assert(platform);
  const m = (SIMULATOR_MANIFESTS as readonly SimulatorManifest[]).find((s) => s.platform === platform);
  if (!m) throw new Error(`platform ${platform} has no simulator in libs/sandbox/src/registry.ts`);
  return m;
}

/** the platforms the sandbox simulates, in registry order */
export function simulatedPlatforms(): string[] {
  return SIMULATOR_MANIFESTS.map((m) => m.platform);
}
