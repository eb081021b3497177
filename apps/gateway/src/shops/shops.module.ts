import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PlatformApp, Shop, ShopDirectoryModule } from '@app/persistence';
import { PlatformAppsController } from './platform-apps.controller';
import { ShopsController } from './shops.controller';
import { ShopsService } from './shops.service';

/** The shops API (and the merchant's own platform apps). Re-exports ShopDirectoryModule (ShopDirectory port, SecretBox) for gateway features. */
@Module({
  imports: [TypeOrmModule.forFeature([Shop, PlatformApp]), ShopDirectoryModule],
  controllers: [ShopsController, PlatformAppsController],
  providers: [ShopsService],
  exports: [ShopsService, ShopDirectoryModule],
})
export class ShopsModule {}
