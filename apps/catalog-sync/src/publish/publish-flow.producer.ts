import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { QUEUE, type JobPayloads } from '@app/contracts';
import { DEFAULT_JOB_OPTIONS, QUEUE_MODULE_OPTIONS, producerConnection, type QueueModuleOptions } from '@app/queue';
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
 * child per target shop on CATALOG_PUBLISH. Children use ignoreDependencyOnFailure, so the parent runs
 * once every child finished, published or finally failed.
 */
@Injectable()
export class PublishFlowProducer implements OnApplicationShutdown {
  private readonly flows: FlowProducer;

  constructor(@Inject(QUEUE_MODULE_OPTIONS) opts: QueueModuleOptions) {
    this.flows = new FlowProducer({ connection: producerConnection(opts.redisUrl), prefix: opts.prefix });
    this.flows.on('error', () => undefined); // connection errors surface on add()
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
      opts: { ...DEFAULT_JOB_OPTIONS, attempts: 3, jobId: flowJobId(s.runId, s.productId) },
      children: s.targets.map((t) => {
        const child: JobPayloads['publish-product'] = { v: 1, productId: s.productId, platform: t.platform, shopId: t.shopId };
        return {
          name: 'publish-product',
          queueName: QUEUE.CATALOG_PUBLISH,
          data: child,
          opts: { ...DEFAULT_JOB_OPTIONS, jobId: childJobId(s.runId, s.productId, t.shopId), priority, ignoreDependencyOnFailure: true },
        };
      }),
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flows.close();
  }
}
