import { Processor } from '@nestjs/bullmq';
import { Inject, Injectable, type OnApplicationBootstrap, type Type } from '@nestjs/common';
import { QUEUE, publishQueueOf, type JobPayloads, type Platform } from '@app/contracts';
import { JobProcessor, settleJob, type JobHandlers } from '@app/queue';
import { CatalogRepository } from '../catalog/catalog.repository';
import { CATALOG_FEATURE_OPTIONS, type CatalogFeatureOptions } from '../catalog/catalog-feature.options';
import { PublishJobService } from './publish-job.service';

export interface PublishFlowSummary {
  productId: string;
  runId: string;
  published: number;
  failed: number;
}

/**
 * Children of publish flows: one product to one shop. Each platform's children wait in the platform's own queue
 * (publishQueueOf) with a worker of their own (platformPublishProcessors), `publishConcurrency` jobs at a time.
 */
@Injectable()
export abstract class PublishChildProcessor extends JobProcessor implements OnApplicationBootstrap {
  constructor(
    private readonly jobs: PublishJobService,
    @Inject(CATALOG_FEATURE_OPTIONS) private readonly opts: CatalogFeatureOptions,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.opts.publishConcurrency;
  }

  readonly handlers: JobHandlers = {
    // the result (the platform's product id) is the child's return value the flow parent reads
    'publish-product': async (job, token) =>
      settleJob(job, token, await this.jobs.publishToShop(job.data, { attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? 1 })),
  };
}

/** Drains children added to the single publish queue before the per-platform queues: nothing adds there now. */
@Processor(QUEUE.CATALOG_PUBLISH)
export class PublishProductProcessor extends PublishChildProcessor {}

/**
 * One processor class per platform on its publish queue. Nest's @Processor is a class decorator read from
 * metadata, so a class is made per platform here (the registry's names are known at module build time) and
 * decorated by hand; the constructor's injection metadata is the base class's.
 */
export function platformPublishProcessors(platforms: readonly Platform[]): Type<PublishChildProcessor>[] {
  return platforms.map((platform) => {
    const cls = class extends PublishChildProcessor {};
    Object.defineProperty(cls, 'name', { value: `PublishTo${platform.charAt(0).toUpperCase()}${platform.slice(1)}Processor` });
    Processor(publishQueueOf(platform))(cls);
    return cls;
  });
}

/** Parents of publish flows: run once every child finished (published or finally failed). */
@Processor(QUEUE.CATALOG_PUBLISH_FLOW)
export class PublishFlowProcessor extends JobProcessor {
  constructor(private readonly repo: CatalogRepository) {
    super();
  }

  readonly handlers: JobHandlers = {
    'publish-product-flow': (job) => this.summarise(job.data),
  };

  private async summarise(data: JobPayloads['publish-product-flow']): Promise<PublishFlowSummary> {
    const listings = (await this.repo.listings(data.productId)).filter((l) => l.publishRunId === data.runId);
    return {
      productId: data.productId,
      runId: data.runId,
      published: listings.filter((l) => l.status === 'published').length,
      failed: listings.filter((l) => l.status === 'failed').length,
    };
  }
}
