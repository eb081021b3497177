import type { PushMessage } from '@app/platforms';

export interface TmcMessage {
  /** TMC's own message id, used to confirm */
  tmcId: string;
  message: PushMessage;
}

/**
 * Taobao's message service (TMC), reduced to what the consumer needs. Implemented over the Taobao
 * adapter's consumeTmc / confirmTmc (taobao.tmc.messages.consume / confirm).
 */
export abstract class TmcSource {
  /** app keys to consume for (each Taobao app has its own TMC stream) */
  abstract apps(): Promise<string[]>;
  abstract consume(appKey: string, groupName: string, quantity: number): Promise<TmcMessage[]>;
  /** confirms ids consumed through `groupName`: TOP confirms only that group's messages (no group = 'default') */
  abstract confirm(appKey: string, groupName: string, tmcIds: string[]): Promise<void>;
}
