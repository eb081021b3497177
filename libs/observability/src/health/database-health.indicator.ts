import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { DataSource } from 'typeorm';

/** Postgres readiness: `SELECT 1` through the app's TypeORM DataSource (found in the module graph). */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
  ) {}

  async check<K extends string>(key: K, timeoutMs = 2000): Promise<HealthIndicatorResult<K>> {
    const session = this.health.check(key);
    let ds: DataSource;
    try {
      ds = this.moduleRef.get(DataSource, { strict: false });
    } catch {
      return session.down({ message: 'no TypeORM DataSource registered' });
    }
    if (!ds.isInitialized) return session.down({ message: 'DataSource not initialized' });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        ds.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return session.up();
    } catch (e) {
      return session.down({ message: e instanceof Error ? e.message : String(e) });
    } finally {
      clearTimeout(timer);
    }
  }
}
