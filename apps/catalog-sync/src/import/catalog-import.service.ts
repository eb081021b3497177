import { Injectable } from '@nestjs/common';
import { CatalogRepository } from '../catalog/catalog.repository';
import { parseCatalogCsv, parseCatalogJson, type ImportError, type ImportRow, type ParsedImport } from './catalog-import.parser';

export interface ImportReport {
  /** SKU rows read from the file */
  rows: number;
  imported: { products: number; skus: number };
  /** one entry per problem: row (1-based SKU row), line (CSV), field, message; those rows were not imported */
  errors: ImportError[];
  /** rows rejected (a row can have several errors) */
  rejectedRows: number;
}

const CHUNK = 1000;

/**
 * Bulk import: valid rows are upserted (products by product_key, SKUs by ERP code) in one transaction;
 * invalid rows are reported row by row and skipped. SKUs never move between products: a code owned by
 * another product is a row error.
 */
@Injectable()
export class CatalogImportService {
  constructor(private readonly repo: CatalogRepository) {}

  importCsv(merchantId: string, text: string): Promise<ImportReport> {
    return this.import(merchantId, parseCatalogCsv(text));
  }

  importJson(merchantId: string, input: string | unknown): Promise<ImportReport> {
    return this.import(merchantId, parseCatalogJson(input));
  }

  private async import(merchantId: string, parsed: ParsedImport): Promise<ImportReport> {
    const errors = [...parsed.errors];
    const owners = await this.repo.skuOwners(merchantId, parsed.rows.map((r) => r.erpSkuCode));
    const rows: ImportRow[] = [];
    for (const r of parsed.rows) {
      const owner = owners.get(r.erpSkuCode);
      if (owner && owner.externalKey !== r.productKey) {
        errors.push({
          row: r.row,
          ...(r.line !== undefined ? { line: r.line } : {}),
          field: 'erp_sku_code',
          message: `${r.erpSkuCode} already belongs to product ${owner.externalKey ?? owner.productId}`,
        });
      } else rows.push(r);
    }
    const products = new Map<string, ImportRow[]>();
    for (const r of rows) products.set(r.productKey, [...(products.get(r.productKey) ?? []), r]);
    const skuCount = await this.repo.transaction(async (m) => {
      // the parser resolved the product fields onto every row of the product
      const productRows = [...products.entries()].map(([key, [r]]) => ({
        externalKey: key,
        title: r.title,
        description: r.description,
        category: r.category,
        images: r.images ?? [],
        attributes: r.attributes ?? {},
      }));
      const ids = new Map<string, string>();
      for (let i = 0; i < productRows.length; i += CHUNK) {
        for (const [k, v] of await this.repo.upsertProductsByExternalKey(m, merchantId, productRows.slice(i, i + CHUNK))) ids.set(k, v);
      }
      let written = 0;
      for (let i = 0; i < rows.length; i += CHUNK) {
        const chunk = rows.slice(i, i + CHUNK);
        const res = await this.repo.upsertSkus(
          m,
          merchantId,
          chunk.map((r) => ({
            productId: ids.get(r.productKey)!,
            erpSkuCode: r.erpSkuCode,
            barcode: r.barcode,
            specValues: r.specValues,
            listPriceFen: r.listPriceFen,
            salePriceFen: r.salePriceFen,
            weightGrams: r.weightGrams,
          })),
        );
        written += res.length;
        if (res.length !== chunk.length) {
          // another product took a code between the check and the write
          const got = new Set(res.map((x) => x.erpSkuCode));
          for (const r of chunk.filter((x) => !got.has(x.erpSkuCode))) {
            errors.push({ row: r.row, ...(r.line !== undefined ? { line: r.line } : {}), field: 'erp_sku_code', message: `${r.erpSkuCode} belongs to another product` });
          }
        }
      }
      return written;
    });
    errors.sort((a, b) => a.row - b.row);
    return {
      rows: parsed.total,
      imported: { products: products.size, skus: skuCount },
      errors,
      rejectedRows: new Set(errors.map((e) => e.row)).size,
    };
  }
}
