import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseFilters, UseGuards } from '@nestjs/common';
import { CatalogRoles, MerchantContextGuard, MerchantId } from '../catalog/auth/merchant-context.guard';
import { BulkPublishDto, PublishDto } from '../catalog/dto/product.dto';
import { ComplianceExceptionFilter } from '../compliance/compliance.errors';
import { PublishService } from './publish.service';

/** Publish fan-out: 202 with a run id; progress through publish-status / publish-runs. */
@Controller()
@UseGuards(MerchantContextGuard)
@UseFilters(ComplianceExceptionFilter)
@CatalogRoles('merchandiser', 'admin')
export class PublishController {
  constructor(private readonly publisher: PublishService) {}

  @Post('products/:id/publish')
  @HttpCode(202)
  publish(@MerchantId() merchantId: string, @Param('id', ParseUUIDPipe) id: string, @Body() body: PublishDto) {
    return this.publisher.publish(merchantId, id, body.platforms);
  }

  @Post('products/:id/publish/dry-run')
  @HttpCode(200)
  dryRun(@MerchantId() merchantId: string, @Param('id', ParseUUIDPipe) id: string, @Body() body: PublishDto) {
    return this.publisher.dryRun(merchantId, id, body.platforms);
  }

  @Get('products/:id/publish-status')
  status(@MerchantId() merchantId: string, @Param('id', ParseUUIDPipe) id: string) {
    return this.publisher.status(merchantId, id);
  }

  /** bulk publish (lower priority than single publishes); products failing compliance are listed in `rejected` */
  @Post('products/publish')
  @HttpCode(202)
  publishMany(@MerchantId() merchantId: string, @Body() body: BulkPublishDto) {
    return this.publisher.publishMany(merchantId, body.productIds, body.platforms);
  }

  @Get('publish-runs/:runId')
  run(@MerchantId() merchantId: string, @Param('runId', ParseUUIDPipe) runId: string) {
    return this.publisher.runProgress(merchantId, runId);
  }
}
