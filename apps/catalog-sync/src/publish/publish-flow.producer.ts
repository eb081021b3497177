import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { QUEUE, publishQueueOf, type JobPayloads } from '@app/contracts';
import { withRedisErrorLog } from '@app/observability';
import { QUEUE_MODULE_OPTIONS, jobOptionsFor, producerConnection, type QueueModuleOptions } from '@app/queue';
import { FlowProducer, type FlowJob } from 'bullmq';

export interface PublishFlowSpec {
  runId: string;
  productId: string;
  targets: { shopId: string; platform: string }[];
  /** bulk publishes run behind interactive ones (BullMQ priority, larger = later) */
  bulk: boolean;
}

/** BullMQ priorities: interactive publishes first */
const PRIORITY = { interactive: 1, bulk: 10 } as const;

/** job ids (STYLE rule 12: '-' separated, never ':'): one flow per (run, product), one child per shop */
export const flowJobId = (runId: string, productId: string): string => `publish-flow-${runId}-${productId}`;
export const childJobId = (runId: string, productId: string, shopId: string): string => `publish-product-${runId}-${productId}-${shopId}`;

/**
 * Adds publish flows: a parent 'publish-product-flow' on CATALOG_PUBLISH_FLOW with one 'publish-product'
 * child per target shop on its platform's publish queue (publishQueueOf). Children use ignoreDependencyOnFailure, so the parent runs
 * once every child finished, published or finally failed.
 */
@Injectable()
export class PublishFlowProducer implements OnApplicationShutdown {
  private readonly flows: FlowProducer;

  constructor(@Inject(QUEUE_MODULE_OPTIONS) opts: QueueModuleOptions) {
    // connection errors also surface on add(); the listener keeps them out of BullMQ's console.error fallback
    this.flows = withRedisErrorLog(new FlowProducer({ connection: producerConnection(opts.redis), prefix: opts.prefix }), 'publish flows');
  }

  async add(specs: PublishFlowSpec[]): Promise<void> {
    if (specs.length === 0) return;
    await this.flows.addBulk(specs.map((s) => this.flow(s)));
  }

  private flow(s: PublishFlowSpec): FlowJob {
    const priority = s.bulk ? PRIORITY.bulk : PRIORITY.interactive;
    const parent: JobPayloads['publish-product-flow'] = { v: 1, productId: s.productId, runId: s.runId };
    return {
      name: 'publish-product-flow',
      queueName: QUEUE.CATALOG_PUBLISH_FLOW,
      data: parent,
      // a FlowProducer does not apply the queues' defaults: each job gets its queue's QUEUE_JOB_OPTIONS entry
      opts: { ...jobOptionsFor(QUEUE.CATALOG_PUBLISH_FLOW), jobId: flowJobId(s.runId, s.productId) },
      children: s.targets.map((t) => {
        const child: JobPayloads['publish-product'] = { v: 1, productId: s.productId, platform: t.platform, shopId: t.shopId };
        const queueName = publishQueueOf(t.platform);
        return {
          name: 'publish-product',
          queueName,
          data: child,
          opts: { ...jobOptionsFor(queueName), jobId: childJobId(s.runId, s.productId, t.shopId), priority, ignoreDependencyOnFailure: true },
        };
      }),
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flows.close();
  }
}
