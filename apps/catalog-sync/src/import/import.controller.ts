import type { IncomingMessage } from 'node:http';
import {
  BadRequestException,
  Controller,
  HttpCode,
  Inject,
  PayloadTooLargeException,
  Post,
  Query,
  Req,
  UnsupportedMediaTypeException,
  UseGuards,
} from '@nestjs/common';
import { forbiddenJsonKey, jsonDepthExceeds } from '@app/observability';
import { CatalogRoles, MerchantContextGuard, MerchantId } from '../catalog/auth/merchant-context.guard';
import { CATALOG_FEATURE_OPTIONS, type CatalogFeatureOptions } from '../catalog/catalog-feature.options';
import { ImportFileError } from './catalog-import.parser';
import { CatalogImportService, type ImportReport } from './catalog-import.service';

type RawRequest = IncomingMessage & { body?: unknown };

/**
 * POST /products/import
 *   Content-Type: text/csv                       -> CSV file as the raw body
 *   Content-Type: application/json               -> JSON array (parsed by the app's JSON body parser, its size limit applies)
 *   any other type with ?format=csv|json          -> the raw body in that format (large JSON files: use this)
 * 200 with the row-by-row report (valid rows imported, bad rows listed); 400 when the file itself is unusable.
 */
@Controller('products')
@UseGuards(MerchantContextGuard)
@CatalogRoles('merchandiser', 'admin')
export class ImportController {
  constructor(
    private readonly importer: CatalogImportService,
    @Inject(CATALOG_FEATURE_OPTIONS) private readonly opts: CatalogFeatureOptions,
  ) {}

  @Post('import')
  @HttpCode(200)
  async import(@MerchantId() merchantId: string, @Req() req: RawRequest, @Query('format') format?: string): Promise<ImportReport> {
    const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (format !== undefined && format !== 'csv' && format !== 'json') throw new BadRequestException(['format must be csv or json']);
    try {
      if (type === 'application/json') {
        if (format === 'csv') throw new BadRequestException(['format csv needs a text/csv body']);
        return await this.importer.importJson(merchantId, req.body);
      }
      const effective = format ?? (type === 'text/csv' ? 'csv' : undefined);
      if (!effective) throw new UnsupportedMediaTypeException('send text/csv, application/json, or ?format=csv|json');
      const text = await this.readBody(req);
      if (effective === 'json') this.checkRawJson(text);
      return effective === 'csv' ? await this.importer.importCsv(merchantId, text) : await this.importer.importJson(merchantId, text);
    } catch (e) {
      if (e instanceof ImportFileError) throw new BadRequestException([e.message]);
      throw e;
    }
  }

  /** The raw JSON file skips the app's JSON parser: the same depth and prototype-key rules, here. */
  private checkRawJson(text: string): void {
    const maxDepth = 64;
    if (jsonDepthExceeds(text, maxDepth)) throw new BadRequestException([`JSON file is nested deeper than ${maxDepth} levels`]);
    const key = forbiddenJsonKey(text);
    if (key !== undefined) throw new BadRequestException([`property ${key} should not exist`]);
  }

  private async readBody(req: RawRequest): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      size += b.length;
      if (size > this.opts.importMaxBytes) throw new PayloadTooLargeException(`catalog file larger than ${this.opts.importMaxBytes} bytes`);
      chunks.push(b);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}
