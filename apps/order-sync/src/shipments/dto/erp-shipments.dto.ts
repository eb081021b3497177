import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { type Platform } from '@app/contracts';
import { platformNames } from '@app/platforms';

// the registry's platforms (libs/platforms/src/registry.ts)
const PLATFORMS = platformNames();

export const MAX_SHIPMENTS_PER_CALL = 500;

/** One shipment. Names its order either by `orderId` (ours) or by `platform` + `platformOrderId`. */
export class ShipmentItemDto {
  /** the ERP's own shipment id; a resend with the same id is a no-op. Absent: order + tracking number dedupe */
  @IsOptional()
  @IsString()
  @Length(1, 128)
  @Matches(/^[\x21-\x7e]+$/, { message: 'shipmentId must be printable ASCII without spaces' })
  shipmentId?: string;

  /** required with platformOrderId; optional with orderId (then it must match the order) */
  @ValidateIf((o: ShipmentItemDto) => o.orderId === undefined || o.platform !== undefined)
  @IsIn(PLATFORMS)
  platform?: Platform;

  /** a string, exact (19-digit ids do not survive JSON numbers) */
  @ValidateIf((o: ShipmentItemDto) => o.orderId === undefined)
  @IsString()
  @Length(1, 64)
  platformOrderId?: string;

  @ValidateIf((o: ShipmentItemDto) => o.platformOrderId === undefined)
  @IsUUID('all')
  orderId?: string;

  @IsString()
  @Length(1, 64)
  @Matches(/^[A-Za-z0-9-]+$/, { message: 'trackingNo must contain only letters, digits and -' })
  trackingNo!: string;

  /** the platform's carrier code (PROTOCOLS.md: company_code / logistics company) */
  @IsString()
  @Length(1, 64)
  carrierCode!: string;

  /** platform line ids for a split shipment; absent or empty = the whole order */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @Length(1, 64, { each: true })
  lineIds?: string[];
}

export class CreateShipmentsDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_SHIPMENTS_PER_CALL)
  @ValidateNested({ each: true })
  @Type(() => ShipmentItemDto)
  shipments!: ShipmentItemDto[];
}

export class ListShipmentsQueryDto {
  @IsUUID('all')
  orderId!: string;
}
