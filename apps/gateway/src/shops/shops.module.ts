import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Shop, ShopDirectoryModule } from '@app/persistence';
import { ShopsController } from './shops.controller';
import { ShopsService } from './shops.service';

/** The shops API. Re-exports ShopDirectoryModule (ShopDirectory port, SecretBox) for gateway features. */
@Module({
  imports: [TypeOrmModule.forFeature([Shop]), ShopDirectoryModule],
  controllers: [ShopsController],
  providers: [ShopsService],
  exports: [ShopsService, ShopDirectoryModule],
})
export class ShopsModule {}
