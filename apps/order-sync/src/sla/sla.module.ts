import { Module } from '@nestjs/common';
import { DependencyOutages } from './dependency-outages';
import { OrderSyncMetrics } from './order-sync.metrics';
import { SlaAlertNotifier } from './sla-alert.notifier';
import { SlaLedger } from './sla-ledger.service';
import { SlaLedgerRepository } from './sla-ledger.repository';
import { SlaReportService } from './sla-report.service';
import { SlaWatcherService } from './sla-watcher.service';

/**
 * The SLA ledger and what feeds it: the watcher (LeaderLoop 'sla-watcher'), dependency outages (per-process
 * probes), alerts, the report for /ops/sla, and the order path's metrics. A lower module: delivery, ingest,
 * poll and the ERP API import it; it imports none of them.
 */
@Module({
  providers: [OrderSyncMetrics, SlaAlertNotifier, DependencyOutages, SlaLedgerRepository, SlaLedger, SlaWatcherService, SlaReportService],
  exports: [OrderSyncMetrics, SlaLedger, DependencyOutages, SlaWatcherService, SlaReportService],
})
export class SlaModule {}
