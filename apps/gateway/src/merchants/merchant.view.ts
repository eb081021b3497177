import { ApiProperty } from '@nestjs/swagger';
import type { Merchant } from '@app/persistence';

export class MerchantView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;

  static of(m: Merchant): MerchantView {
    return Object.assign(new MerchantView(), { id: m.id, name: m.name, createdAt: m.createdAt.toISOString() });
  }
}
