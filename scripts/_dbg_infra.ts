import { QUEUE } from '@app/contracts';
import { QueueHealthService } from '@app/queue';
(async () => {
  const s = new QueueHealthService({ redisUrl: 'redis://127.0.0.1:6379', prefix: 'dbg-x' }, [QUEUE.ERP_PUSH]);
  let t = Date.now();
  await s.one(QUEUE.ERP_PUSH); console.log('one', Date.now() - t); t = Date.now();
  await s.onApplicationShutdown(); console.log('shutdown', Date.now() - t);
})();
