import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import { CatalogRoles, MerchantContextGuard, MerchantId } from '../catalog/auth/merchant-context.guard';
import { CatalogRepository } from '../catalog/catalog.repository';
import { BannedWordDto, ComplianceCheckDto } from '../catalog/dto/product.dto';
import { ComplianceService } from './compliance.service';

/** The banned-word list (shipped + the merchant's own) and an ad-hoc text check. */
@Controller('compliance')
@UseGuards(MerchantContextGuard)
@CatalogRoles('merchandiser', 'admin')
export class ComplianceController {
  constructor(
    private readonly compliance: ComplianceService,
    private readonly repo: CatalogRepository,
  ) {}

  @Get('banned-words')
  async list(@MerchantId() merchantId: string) {
    return { shipped: this.compliance.shippedList(), custom: await this.repo.customWords(merchantId) };
  }

  @Post('banned-words')
  @HttpCode(201)
  async add(@MerchantId() merchantId: string, @Body() body: BannedWordDto) {
    await this.repo.addCustomWord(merchantId, body.word.trim(), body.category.trim());
    return { word: body.word.trim(), category: body.category.trim() };
  }

  @Delete('banned-words/:word')
  @HttpCode(204)
  async remove(@MerchantId() merchantId: string, @Param('word') word: string) {
    if (!(await this.repo.deleteCustomWord(merchantId, word))) throw new NotFoundException(`no custom banned word ${word}`);
  }

  /** 200 with the violations found (empty when clean); never blocks anything */
  @Post('check')
  @HttpCode(200)
  async check(@MerchantId() merchantId: string, @Body() body: ComplianceCheckDto) {
    const violations = await this.compliance.checkTexts(merchantId, [
      { field: 'title', text: body.title },
      { field: 'description', text: body.description ?? '' },
    ]);
    return { clean: violations.length === 0, violations };
  }
}
