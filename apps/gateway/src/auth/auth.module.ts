import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKey } from '@app/persistence';
import { AuditModule } from '../audit/audit.module';
import { ApiKeyAuthGuard } from './api-key-auth.guard';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';

/**
 * API-key authentication for every gateway route (global guard; opt out with @Public()),
 * role checks with @Roles(...), and the /api-keys endpoints. Brings the (global) audit log with it.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ApiKey]), AuditModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysService, { provide: APP_GUARD, useClass: ApiKeyAuthGuard }],
  exports: [ApiKeysService],
})
export class AuthModule {}
