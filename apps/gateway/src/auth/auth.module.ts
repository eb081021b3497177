import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKey } from '@app/persistence';
import { AuditModule } from '../audit/audit.module';
import { ApiKeyAuthGuard } from './api-key-auth.guard';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { GatewayEnv } from '../config/env.validation';
import { OperatorCredential } from '../ops/operator-credential';

/**
 * API-key authentication for every gateway route (global guard; opt out with @Public()),
 * role checks with @Roles(...), and the /api-keys endpoints. Brings the (global) audit log with it.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ApiKey]), AuditModule],
  controllers: [ApiKeysController],
  providers: [
    ApiKeysService,
    // the platform operator's token (OPERATOR_TOKEN_SHA256): Bull Board, /operator/*, and the ops page's routes for a merchant it names
    // optional env: modules built without the app's config (tests) have no operator, as with the variable unset
    {
      provide: OperatorCredential,
      inject: [{ token: GatewayEnv, optional: true }],
      useFactory: (env?: GatewayEnv) => new OperatorCredential(env?.OPERATOR_TOKEN_SHA256),
    },
    { provide: APP_GUARD, useClass: ApiKeyAuthGuard },
  ],
  exports: [ApiKeysService, OperatorCredential],
})
export class AuthModule {}
