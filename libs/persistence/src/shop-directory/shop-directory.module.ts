import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ShopDirectory } from '@app/platforms';
import { SecretBox } from '../crypto/secret-box';
import { SECRET_BOX_PROVIDER } from '../crypto/secret-box.provider';
import { Shop } from '../core/entities/shop.entity';
import { ShopDirectoryService } from './shop-directory.service';

/**
 * Binds the ShopDirectory port to ShopDirectoryService (one shared instance, so invalidate() from
 * the shops API clears the same cache the adapters read) and provides SecretBox from SECRETS_KEY.
 * Needs PersistenceModule.forRoot and a global ConfigModule in the app.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Shop])],
  providers: [
    SECRET_BOX_PROVIDER,
    ShopDirectoryService,
    { provide: ShopDirectory, useExisting: ShopDirectoryService },
  ],
  exports: [ShopDirectory, ShopDirectoryService, SecretBox],
})
export class ShopDirectoryModule {}
