import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ROLES, type Role } from '@app/contracts';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  ValidateBy,
  type ValidationOptions,
} from 'class-validator';

/** An ISO date-time in the future (compared when the request is validated). */
function IsFutureDateTime(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    { name: 'isFutureDateTime', validator: { validate: (v: unknown) => typeof v === 'string' && Date.parse(v) > Date.now() } },
    options,
  );
}

export class CreateApiKeyDto {
  @ApiProperty({ description: 'a label for people, e.g. "erp connector"', maxLength: 100 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiProperty({ enum: ROLES, isArray: true, example: ['merchandiser'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(ROLES, { each: true, message: `each value in roles must be one of: ${ROLES.join(', ')}` })
  roles: Role[];

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'the key stops working at this instant (default: never)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an ISO 8601 date-time' })
  @IsFutureDateTime({ message: 'expiresAt must be in the future' })
  expiresAt?: string;
}
