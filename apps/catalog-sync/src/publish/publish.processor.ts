import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { QUEUE, type JobPayloads } from '@app/contracts';
import { CatalogRepository } from '../catalog/catalog.repository';
import { CATALOG_FEATURE_OPTIONS, type CatalogFeatureOptions } from '../catalog/catalog-feature.options';
import { settlePublishJob } from './publish-job-outcome';
import { PublishJobService } from './publish-job.service';

type PublishProductJob = Job<JobPayloads['publish-product'], { platformProductId: string }, 'publish-product'>;
type PublishFlowJob = Job<JobPayloads['publish-product-flow'], PublishFlowSummary, 'publish-product-flow'>;

export interface PublishFlowSummary {
  productId: string;
  runId: string;
  published: number;
  failed: number;
}

/** Children of publish flows: one product to one shop. */
@Processor(QUEUE.CATALOG_PUBLISH)
export class PublishProductProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly jobs: PublishJobService,
    @Inject(CATALOG_FEATURE_OPTIONS) private readonly opts: CatalogFeatureOptions,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.opts.publishConcurrency;
  }

  async process(job: PublishProductJob, token?: string): Promise<{ platformProductId: string }> {
    if (job.name !== 'publish-product') throw new UnrecoverableError(`unknown job ${job.name}`);
    const outcome = await this.jobs.publishToShop(job.data, { attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? 1 });
    return settlePublishJob(job, token, outcome);
  }
}

/** Parents of publish flows: run once every child finished (published or finally failed). */
@Processor(QUEUE.CATALOG_PUBLISH_FLOW)
export class PublishFlowProcessor extends WorkerHost {
  constructor(private readonly repo: CatalogRepository) {
    super();
  }

  async process(job: PublishFlowJob): Promise<PublishFlowSummary> {
    if (job.name !== 'publish-product-flow') throw new UnrecoverableError(`unknown job ${job.name}`);
    const listings = (await this.repo.listings(job.data.productId)).filter((l) => l.publishRunId === job.data.runId);
    return {
      productId: job.data.productId,
      runId: job.data.runId,
      published: listings.filter((l) => l.status === 'published').length,
      failed: listings.filter((l) => l.status === 'failed').length,
    };
  }
}
