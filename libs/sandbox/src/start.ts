import type { PlatformSimulator } from './core/simulator';
import type { SimulatorOptions } from './core/types';
import type { DouyinSimulator } from './douyin/douyin.simulator';
import { startErpSimulator, type ErpSimulator, type ErpSimulatorOptions } from './erp';
import { startDingtalkRobotSimulator, startFeishuRobotSimulator, startWecomRobotSimulator, type RobotSimOptions, type RobotSimulator } from './robots';
import type { TaobaoSimulator } from './taobao/taobao.simulator';
import type { XiaohongshuSimulator } from './xiaohongshu/xiaohongshu.simulator';
import { SIMULATOR_MANIFESTS, simulatorManifest } from './registry';

export type AnySimulator = ReturnType<(typeof SIMULATOR_MANIFESTS)[number]['create']>;
type ManifestOf<P extends string> = Extract<(typeof SIMULATOR_MANIFESTS)[number], { platform: P }>;
/** the simulator class of a registered platform; the base PlatformSimulator for any other name (which throws at run time) */
type SimulatorFor<P extends string> = [ManifestOf<P>] extends [never] ? PlatformSimulator : ReturnType<ManifestOf<P>['create']>;

/** Starts one platform simulator on 127.0.0.1 (port 0 = random) and resolves once it listens. Unknown platform: throws. */
export async function startSimulator<P extends string>(platform: P, opts: SimulatorOptions = {}): Promise<SimulatorFor<P>> {
  const sim: PlatformSimulator = simulatorManifest(platform).create(opts);
  await sim.listen();
  return sim as SimulatorFor<P>;
}

export interface SandboxConfig {
  douyin?: SimulatorOptions | false;
  taobao?: SimulatorOptions | false;
  xiaohongshu?: SimulatorOptions | false;
  /**
   * simulators of the other registered platforms (libs/sandbox/src/registry.ts), by platform name: each one named
   * here is started (so a new platform needs no field of its own); none by default
   */
  platforms?: Record<string, SimulatorOptions>;
  /** the ERP simulator (libs/sandbox/src/erp); default secret 'erp-demo-secret'; false = skip */
  erp?: Partial<ErpSimulatorOptions> | false;
  /** the alert robot simulators (libs/sandbox/src/robots); default: not started */
  robots?: { dingtalk?: RobotSimOptions; feishu?: RobotSimOptions; wecom?: RobotSimOptions };
}

export interface Sandbox {
  douyin: DouyinSimulator | null;
  taobao: TaobaoSimulator | null;
  xiaohongshu: XiaohongshuSimulator | null;
  /** the simulators started from `platforms`, by platform name */
  others: Record<string, PlatformSimulator>;
  erp: ErpSimulator | null;
  robots: RobotSimulator[];
  close(): Promise<void>;
}

/** Starts the three platform simulators and the ERP simulator. */
export async function startSandbox(config: SandboxConfig = {}): Promise<Sandbox> {
  const started: { close(): Promise<void> }[] = [];
  try {
    const douyin = config.douyin === false ? null : await startSimulator('douyin', config.douyin ?? {});
    if (douyin) started.push(douyin);
    const taobao = config.taobao === false ? null : await startSimulator('taobao', config.taobao ?? {});
    if (taobao) started.push(taobao);
    const xiaohongshu = config.xiaohongshu === false ? null : await startSimulator('xiaohongshu', config.xiaohongshu ?? {});
    if (xiaohongshu) started.push(xiaohongshu);
    const others: Record<string, PlatformSimulator> = {};
    for (const [platform, opts] of Object.entries(config.platforms ?? {})) {
      if (platform === 'douyin' || platform === 'taobao' || platform === 'xiaohongshu') throw new Error(`${platform} has its own SandboxConfig field`);
      others[platform] = await startSimulator(platform, opts);
      started.push(others[platform]);
    }
    let erp: ErpSimulator | null = null;
    if (config.erp !== false) {
      erp = await startErpSimulator({ ...config.erp, secret: config.erp?.secret ?? 'erp-demo-secret' });
      started.push(erp);
    }
    const robots: RobotSimulator[] = [];
    const r = config.robots ?? {};
    if (r.dingtalk) robots.push(await startDingtalkRobotSimulator(r.dingtalk));
    if (r.feishu) robots.push(await startFeishuRobotSimulator(r.feishu));
    if (r.wecom) robots.push(await startWecomRobotSimulator(r.wecom));
    started.push(...robots);
    return {
      douyin,
      taobao,
      xiaohongshu,
      others,
      erp,
      robots,
      close: async () => {
        await Promise.all(started.map((s) => s.close()));
      },
    };
  } catch (e) {
    await Promise.all(started.map((s) => s.close()));
    throw e;
  }
}
