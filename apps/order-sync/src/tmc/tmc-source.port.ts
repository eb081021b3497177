import type { PushMessage } from '@app/platforms';

export interface TmcMessage {
  /** TMC's own message id, used to confirm */
  tmcId: string;
  message: PushMessage;
}

/**
 * Taobao's message service (TMC), reduced to what the consumer needs. Implemented over the Taobao
 * adapter's TMC WebSocket (pushed messages) and consumeTmc / confirmTmc (taobao.tmc.messages.consume /
 * confirm, the fallback while the socket is down, or the only channel with TAOBAO_TMC_CHANNEL=http).
 */
export abstract class TmcSource {
  /** app keys to consume for (each Taobao app has its own TMC stream) */
  abstract apps(): Promise<string[]>;
  /** what is there now: the pushed messages buffered, or (no push channel up) one HTTP consume */
  abstract consume(appKey: string, groupName: string, quantity: number): Promise<TmcMessage[]>;
  /** confirms ids consumed through `groupName`: TOP confirms only that group's messages (no group = 'default') */
  abstract confirm(appKey: string, groupName: string, tmcIds: string[]): Promise<void>;
  /**
   * A source with a push channel: true while it is up (the consumer then waits for a push rather than
   * polling). Sources without one leave it out.
   */
  pushing?(appKey: string, groupName: string): boolean;
  /** resolves when a pushed message is waiting, the push channel goes up or down, or after maxMs */
  waitForPush?(appKey: string, groupName: string, maxMs: number): Promise<void>;
}
