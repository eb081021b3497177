import { BadRequestException, Body, Controller, Get, HttpCode, NotFoundException, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import { StockAllocationDto } from './dto/stock-allocation.dto';
import { StockLevelsDto } from './dto/stock-levels.dto';
import { SkuNotFoundError, StockService, StockValidationError } from './stock.service';

@Controller()
export class StockController {
  constructor(private readonly stock: StockService) {}

  /** ERP on-hand levels, batch. Each row is applied, skipped as stale, or reported unknown — in its own slot. */
  @Post('erp/stock')
  @HttpCode(200)
  async levels(@Body() body: StockLevelsDto) {
    const seen = new Map<string, number>();
    body.items.forEach((it, i) => {
      const first = seen.get(it.erpSkuCode);
      if (first !== undefined) throw new BadRequestException([`items.${i}.erpSkuCode duplicates items.${first}.erpSkuCode (${it.erpSkuCode})`]);
      seen.set(it.erpSkuCode, i);
    });
    return this.stock.setLevels(body.merchantId, body.items);
  }

  @Get('skus/:id/stock')
  async view(@Param('id', new ParseUUIDPipe()) id: string) {
    try {
      return await this.stock.view(id);
    } catch (e) {
      if (e instanceof SkuNotFoundError) throw new NotFoundException(e.message);
      throw e;
    }
  }

  @Put('skus/:id/stock-allocation')
  async allocate(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: StockAllocationDto) {
    try {
      await this.stock.setAllocation(
        id,
        {
          mode: body.mode,
          shares: body.mode === 'fixed' ? (body.shares ?? {}) : {},
          ringFenced: body.mode === 'ring_fenced' && body.ringFenced ? { platform: body.ringFenced.platform, quantity: body.ringFenced.quantity } : null,
        },
        body.ringFenced?.liveSessionId ?? null,
      );
      return this.stock.view(id);
    } catch (e) {
      if (e instanceof StockValidationError) throw new BadRequestException([e.message]);
      if (e instanceof SkuNotFoundError) throw new NotFoundException(e.message);
      throw e;
    }
  }
}
