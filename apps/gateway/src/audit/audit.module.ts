import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditLogEntry } from '@app/persistence';
import { AuditLogController } from './audit-log.controller';
import { AuditService } from './audit.service';

/** AuditService for every feature (global: inject it, no import needed) and GET /audit-log. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditLogEntry])],
  controllers: [AuditLogController],
  providers: [AuditService],
  exports: [AuditService],
})
export class AuditModule {}
