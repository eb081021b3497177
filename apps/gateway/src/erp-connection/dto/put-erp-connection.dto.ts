import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERP_CONNECTION_KINDS, type ErpConnectionKind, validateErpUrl } from '@app/erp';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';

/** Checks a URL with validateErpUrl (the one ERP URL check, shared with the send path). */
function IsErpUrl(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isErpUrl',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) => validateErpUrl(value) === null,
        defaultMessage: (args?: ValidationArguments) => `${args?.property} ${validateErpUrl(args?.value) ?? 'is invalid'}`,
      },
    });
}

/** Plain object of shop id -> Jushuitan shop number (string or integer). */
function IsShopIdMap(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isShopIdMap',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.keys(value).length <= 1000 &&
          Object.entries(value).every(
            ([k, v]) => k.length > 0 && k.length <= 128 && ((typeof v === 'string' && v.length > 0 && v.length <= 64) || (Number.isSafeInteger(v) && (v as number) >= 0)),
          ),
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} must be an object of shop id -> Jushuitan shop number (string of 1-64 characters or a non-negative integer), at most 1000 entries`,
      },
    });
}

/**
 * The merchant's ERP connection, replaced as a whole. Secrets are write-only: leave them out to keep the
 * stored ones (same connector only). Fields of another connector are refused, naming the field.
 */
export class PutErpConnectionDto {
  @ApiProperty({ enum: ERP_CONNECTION_KINDS, description: "'pull': nothing is pushed, the ERP pulls GET /erp/orders" })
  @IsIn(ERP_CONNECTION_KINDS, { message: `connector must be one of: ${ERP_CONNECTION_KINDS.join(', ')}` })
  connector: ErpConnectionKind;

  @ApiPropertyOptional({ description: 'the ERP endpoint (required unless pull), e.g. https://erp.example.com/omnisync', maxLength: 500 })
  @ValidateIf((o: PutErpConnectionDto) => o.connector !== 'pull' || o.baseUrl !== undefined)
  @IsErpUrl()
  baseUrl?: string;

  @ApiPropertyOptional({ writeOnly: true, description: 'generic-http: the shared HMAC secret; stored encrypted, never returned' })
  @IsOptional()
  @IsString()
  @MinLength(8)
  @MaxLength(512)
  secret?: string;

  @ApiPropertyOptional({ description: 'jushuitan: the app key' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  appKey?: string;

  @ApiPropertyOptional({ writeOnly: true, description: 'jushuitan: the app secret; stored encrypted, never returned' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  appSecret?: string;

  @ApiPropertyOptional({ writeOnly: true, description: 'jushuitan: the access token; stored encrypted, never returned' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  accessToken?: string;

  @ApiPropertyOptional({ description: 'jushuitan: our shop id -> Jushuitan shop number', type: 'object', additionalProperties: true })
  @IsOptional()
  @IsShopIdMap()
  shopIdMap?: Record<string, string | number>;

  @ApiPropertyOptional({ minimum: 1, maximum: 50, default: 50, description: 'orders per ERP call' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50)
  batchSize?: number;

  @ApiPropertyOptional({ minimum: 100, maximum: 30_000, default: 5000, description: 'per ERP request' })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(30_000)
  timeoutMs?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 256,
    nullable: true,
    description: "ERP calls in flight at most, per order-sync process (the delivery adapts between 1 and this); absent or null: the deployment's ERP_MAX_IN_FLIGHT",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(256)
  maxInFlight?: number | null;
}

/** Which fields belong to which connector (a field of another connector is a 400 naming it). */
export const CONNECTOR_FIELDS: Record<ErpConnectionKind, ReadonlyArray<keyof PutErpConnectionDto>> = {
  'generic-http': ['baseUrl', 'secret', 'batchSize', 'timeoutMs', 'maxInFlight'],
  jushuitan: ['baseUrl', 'appKey', 'appSecret', 'accessToken', 'shopIdMap', 'batchSize', 'timeoutMs', 'maxInFlight'],
  pull: [],
};

export class TestErpConnectionDto {
  @ApiPropertyOptional({ default: false, description: "true: also send the sample order to the ERP and report its status" })
  @IsOptional()
  @IsIn([true, false], { message: 'send must be true or false' })
  send?: boolean;
}
