import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ErpConnection, ErpConnectionDirectoryModule, Shop } from '@app/persistence';
import { ErpConnectionController } from './erp-connection.controller';
import { ErpConnectionService } from './erp-connection.service';

/** PUT/GET /erp-connection and POST /erp-connection/test. */
@Module({
  imports: [TypeOrmModule.forFeature([ErpConnection, Shop]), ErpConnectionDirectoryModule],
  controllers: [ErpConnectionController],
  providers: [ErpConnectionService],
})
export class ErpConnectionModule {}
