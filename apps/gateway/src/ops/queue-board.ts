import type { INestApplication } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { deployedQueues } from '@app/queue';
import type { OperatorCredential } from './operator-credential';
import { queueBoardAuth, type KeyAuthenticator } from './queue-board.middleware';

export const QUEUE_BOARD_PATH = '/ops/queues/board';

/** Mounts Bull Board (Express adapter) for every queue at /ops/queues/board, for the platform operator only. */
export function mountQueueBoard(app: INestApplication, operator: OperatorCredential, keys: KeyAuthenticator, path = QUEUE_BOARD_PATH): void {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(path);
  const queues = deployedQueues().map((name) => new BullMQAdapter(app.get<Queue>(getQueueToken(name), { strict: false })));
  // @bull-board/express pins its own @bull-board/api copy: same interface, different declaration
  type BoardServerAdapter = Parameters<typeof createBullBoard>[0]['serverAdapter'];
  createBullBoard({ queues, serverAdapter: serverAdapter as unknown as BoardServerAdapter, options: { uiConfig: { boardTitle: 'omnisync queues' } } });
  app.use(path, queueBoardAuth(operator, keys), serverAdapter.getRouter());
}
