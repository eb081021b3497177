import { randomUUID } from 'node:crypto';
import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Merchant } from '@app/persistence';
import type { Repository } from 'typeorm';

@Injectable()
export class MerchantsService {
  constructor(@InjectRepository(Merchant) private readonly merchants: Repository<Merchant>) {}

  async get(id: string): Promise<Merchant> {
    const m = await this.merchants.findOneBy({ id });
    if (!m) throw new NotFoundException(`merchant ${id} not found`);
    return m;
  }

  /** The merchant with this name, created when missing (names are unique). */
  async findOrCreateByName(name: string): Promise<{ merchant: Merchant; created: boolean }> {
    const trimmed = name.trim();
    if (trimmed === '') throw new Error('merchant name must not be empty');
    const result = await this.merchants
      .createQueryBuilder()
      .insert()
      .into(Merchant)
      .values({ id: randomUUID(), name: trimmed })
      .orIgnore()
      .returning(['id'])
      .execute();
    const merchant = await this.merchants.findOneByOrFail({ name: trimmed });
    return { merchant, created: result.raw.length > 0 };
  }
}
