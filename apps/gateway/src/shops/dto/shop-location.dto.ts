import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';

/** Max length of state / city: core.shops ck_shops_location allows 64. */
export const LOCATION_PART_MAX = 64;

/**
 * Where the shop ships from, as the platform shows it on a listing. Taobao's item.add requires it
 * (`location.state` / `location.city`): a Taobao shop without it cannot publish new products.
 */
export class ShopLocationDto {
  @ApiProperty({ description: 'province (省), as Taobao names it', example: '浙江', maxLength: LOCATION_PART_MAX })
  @IsString()
  @IsNotEmpty()
  @Matches(/\S/, { message: '$property must not be blank' })
  @MaxLength(LOCATION_PART_MAX)
  state: string;

  @ApiProperty({ description: 'city (市), as Taobao names it', example: '杭州', maxLength: LOCATION_PART_MAX })
  @IsString()
  @IsNotEmpty()
  @Matches(/\S/, { message: '$property must not be blank' })
  @MaxLength(LOCATION_PART_MAX)
  city: string;
}
