import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PLATFORM_OPERATOR_CONFIG, PlatformOperatorConfig, ShopDirectory } from '@app/platforms';
import { SecretBox } from '../crypto/secret-box';
import { PlatformApp } from '../core/entities/platform-app.entity';
import { SECRET_BOX_PROVIDER } from '../crypto/secret-box.provider';
import { Shop } from '../core/entities/shop.entity';
import { PlatformAppRegistry } from './platform-app-registry.service';
import { ShopDirectoryService } from './shop-directory.service';

/**
 * Binds the ShopDirectory port to ShopDirectoryService (one shared instance, so invalidate() from
 * the shops API clears the same cache the adapters read), provides SecretBox from SECRETS_KEY, the
 * operator's platform configuration (PLATFORM_BASE_URL_*, PLATFORM_AUTHORIZE_URL_*, PLATFORM_APPS) and the
 * app-ownership registry. Needs PersistenceModule.forRoot and a global ConfigModule in the app.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Shop, PlatformApp])],
  providers: [
    SECRET_BOX_PROVIDER,
    {
      provide: PLATFORM_OPERATOR_CONFIG,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => PlatformOperatorConfig.fromEnv((name) => config.get<string>(name)),
    },
    PlatformAppRegistry,
    ShopDirectoryService,
    { provide: ShopDirectory, useExisting: ShopDirectoryService },
  ],
  exports: [ShopDirectory, ShopDirectoryService, SecretBox, PLATFORM_OPERATOR_CONFIG, PlatformAppRegistry],
})
export class ShopDirectoryModule {}
