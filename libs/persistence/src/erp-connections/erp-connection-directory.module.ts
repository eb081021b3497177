import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ErpConnection } from '../core/entities/erp-connection.entity';
import { SecretBox } from '../crypto/secret-box';
import { SECRET_BOX_PROVIDER } from '../crypto/secret-box.provider';
import { ErpConnectionDirectory } from './erp-connection-directory.service';

/**
 * ErpConnectionDirectory (one shared instance: invalidate() from the ERP connection API clears the cache
 * deliveries read) and SecretBox from SECRETS_KEY. Needs PersistenceModule.forRoot and a global ConfigModule.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ErpConnection])],
  providers: [SECRET_BOX_PROVIDER, ErpConnectionDirectory],
  exports: [ErpConnectionDirectory, SecretBox],
})
export class ErpConnectionDirectoryModule {}
