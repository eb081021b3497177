import type { Platform } from '@app/contracts';
import type { PlatformSimulator } from './core/simulator';
import type { SimulatorOptions } from './core/types';
import { DouyinSimulator } from './douyin/douyin.simulator';
import { startErpSimulator, type ErpSimulator, type ErpSimulatorOptions } from './erp';
import { TaobaoSimulator } from './taobao/taobao.simulator';
import { XiaohongshuSimulator } from './xiaohongshu/xiaohongshu.simulator';

export type AnySimulator = DouyinSimulator | TaobaoSimulator | XiaohongshuSimulator;
type SimulatorFor<P extends Platform> = P extends 'douyin' ? DouyinSimulator : P extends 'taobao' ? TaobaoSimulator : XiaohongshuSimulator;

/** Starts one platform simulator on 127.0.0.1 (port 0 = random) and resolves once it listens. */
export async function startSimulator<P extends Platform>(platform: P, opts: SimulatorOptions = {}): Promise<SimulatorFor<P>> {
  let sim: PlatformSimulator;
  switch (platform) {
    case 'douyin':
      sim = new DouyinSimulator(opts);
      break;
    case 'taobao':
      sim = new TaobaoSimulator(opts);
      break;
    case 'xiaohongshu':
      sim = new XiaohongshuSimulator(opts);
      break;
    default:
      throw new Error(`unknown platform ${String(platform)}`);
  }
  await sim.listen();
  return sim as SimulatorFor<P>;
}

export interface SandboxConfig {
  douyin?: SimulatorOptions | false;
  taobao?: SimulatorOptions | false;
  xiaohongshu?: SimulatorOptions | false;
  /** the ERP simulator (libs/sandbox/src/erp); default secret 'erp-demo-secret'; false = skip */
  erp?: Partial<ErpSimulatorOptions> | false;
}

export interface Sandbox {
  douyin: DouyinSimulator | null;
  taobao: TaobaoSimulator | null;
  xiaohongshu: XiaohongshuSimulator | null;
  erp: ErpSimulator | null;
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
    let erp: ErpSimulator | null = null;
    if (config.erp !== false) {
      erp = await startErpSimulator({ ...config.erp, secret: config.erp?.secret ?? 'erp-demo-secret' });
      started.push(erp);
    }
    return {
      douyin,
      taobao,
      xiaohongshu,
      erp,
      close: async () => {
        await Promise.all(started.map((s) => s.close()));
      },
    };
  } catch (e) {
    await Promise.all(started.map((s) => s.close()));
    throw e;
  }
}
