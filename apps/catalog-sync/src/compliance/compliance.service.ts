import { Injectable } from '@nestjs/common';
import type { Platform } from '@app/contracts';
import { CatalogRepository } from '../catalog/catalog.repository';
import type { ProductAggregate } from '../catalog/catalog.types';
import { buildListing, titleFieldFor } from '../publish/listing-builder';
import { ComplianceChecker, SHIPPED_BANNED_WORDS, type BannedWord, type TextField, type WordViolation } from '@app/compliance';
import type { ComplianceResult } from './compliance.errors';
import { checkPlatformLimits } from './platform-rules';

/** Banned words (shipped list + the merchant's own) and platform limits, checked before any push. */
@Injectable()
export class ComplianceService {
  private readonly shipped = new ComplianceChecker(SHIPPED_BANNED_WORDS.words, SHIPPED_BANNED_WORDS.allow);

  constructor(private readonly repo: CatalogRepository) {}

  async checkerFor(merchantId: string): Promise<ComplianceChecker> {
    const custom = await this.repo.customWords(merchantId);
    return custom.length === 0 ? this.shipped : this.shipped.extend(custom.map(({ word, category }) => ({ word, category })));
  }

  async checkTexts(merchantId: string, fields: TextField[]): Promise<WordViolation[]> {
    return (await this.checkerFor(merchantId)).check(fields);
  }

  /**
   * Checks what each target platform would receive: the effective title (override or canonical), the
   * description, and the platform's limits. Banned words found in the same field and place are reported once.
   */
  async checkProduct(merchantId: string, aggregate: ProductAggregate, platforms: readonly Platform[]): Promise<ComplianceResult> {
    const checker = await this.checkerFor(merchantId);
    return checkAggregate(checker, aggregate, platforms);
  }

  shippedList(): { categories: typeof SHIPPED_BANNED_WORDS.categories; allow: string[]; words: BannedWord[] } {
    return { categories: SHIPPED_BANNED_WORDS.categories, allow: SHIPPED_BANNED_WORDS.allow, words: SHIPPED_BANNED_WORDS.words };
  }
}

export function checkAggregate(checker: ComplianceChecker, aggregate: ProductAggregate, platforms: readonly Platform[]): ComplianceResult {
  const seen = new Set<string>();
  const violations: WordViolation[] = [];
  const limitViolations = [];
  for (const platform of platforms) {
    const listing = buildListing({ aggregate, platform, platformProductId: null, platformSkuIds: new Map(), stock: new Map() });
    const titleField = titleFieldFor(aggregate, platform);
    for (const v of checker.check([
      { field: titleField, text: listing.title },
      { field: 'description', text: listing.description },
    ])) {
      const key = `${v.field}|${v.start}|${v.end}|${v.word}`;
      if (seen.has(key)) continue;
      seen.add(key);
      violations.push(v);
    }
    limitViolations.push(...checkPlatformLimits(platform, listing, titleField));
  }
  return { violations, limitViolations };
}
