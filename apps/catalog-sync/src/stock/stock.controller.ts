import { BadRequestException, Body, Controller, Get, HttpCode, NotFoundException, Param, ParseUUIDPipe, Post, Put, UseGuards } from '@nestjs/common';
import { CatalogRoles, MerchantContextGuard, MerchantId } from '../catalog/auth/merchant-context.guard';
import { StockAllocationDto } from './dto/stock-allocation.dto';
import { StockLevelsDto } from './dto/stock-levels.dto';
import { SkuNotFoundError, StockService, StockValidationError } from './stock.service';

/**
 * Stock API behind the gateway: the merchant is the caller's (x-omnisync-merchant-id, see MerchantContextGuard),
 * never a body field. A SKU of another merchant answers 404, like one that does not exist.
 */
@Controller()
@UseGuards(MerchantContextGuard)
export class StockController {
  constructor(private readonly stock: StockService) {}

  /** ERP on-hand levels, batch. Each row is applied, skipped as stale, or reported unknown — in its own slot. */
  @Post('erp/stock')
  @HttpCode(200)
  @CatalogRoles('erp', 'admin')
  async levels(@MerchantId() merchantId: string, @Body() body: StockLevelsDto) {
    const seen = new Map<string, number>();
    body.items.forEach((it, i) => {
      const first = seen.get(it.erpSkuCode);
      if (first !== undefined) throw new BadRequestException([`items.${i}.erpSkuCode duplicates items.${first}.erpSkuCode (${it.erpSkuCode})`]);
      seen.set(it.erpSkuCode, i);
    });
    return this.stock.setLevels(merchantId, body.items);
  }

  @Get('skus/:id/stock')
  @CatalogRoles('merchandiser', 'admin', 'ops')
  async view(@MerchantId() merchantId: string, @Param('id', new ParseUUIDPipe()) id: string) {
    try {
      return await this.stock.view(merchantId, id);
    } catch (e) {
      if (e instanceof SkuNotFoundError) throw new NotFoundException(e.message);
      throw e;
    }
  }

  @Put('skus/:id/stock-allocation')
  @CatalogRoles('merchandiser', 'admin')
  async allocate(@MerchantId() merchantId: string, @Param('id', new ParseUUIDPipe()) id: string, @Body() body: StockAllocationDto) {
    try {
      await this.stock.setAllocation(
        merchantId,
        id,
        {
          mode: body.mode,
          shares: body.mode === 'fixed' ? (body.shares ?? {}) : {},
          ringFenced: body.mode === 'ring_fenced' && body.ringFenced ? { platform: body.ringFenced.platform, quantity: body.ringFenced.quantity } : null,
        },
        body.ringFenced?.liveSessionId ?? null,
      );
      return await this.stock.view(merchantId, id);
    } catch (e) {
      if (e instanceof StockValidationError) throw new BadRequestException([e.message]);
      if (e instanceof SkuNotFoundError) throw new NotFoundException(e.message);
      throw e;
    }
  }
}
