import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { MixedList } from 'typeorm';
import { CORE_ENTITIES } from './core/entities';
import { DEFAULT_DATABASE_URL, buildDataSourceOptions } from './data-source';
import { SafeTypeOrmLogger } from './typeorm-logger';

export interface PersistenceModuleOptions {
  /** Postgres URL; when omitted, ConfigService DATABASE_URL (then the local default) */
  url?: string;
  /** extra entities besides the core ones (features can also use TypeOrmModule.forFeature) */
  entities?: MixedList<Function | string>;
  poolSize?: number;
  applicationName?: string;
  /** connection attempts at boot (default 5, 1 s apart) */
  retryAttempts?: number;
}

/** The TypeORM root connection of an app: core entities + any feature entities, never `synchronize`. */
@Module({})
export class PersistenceModule {
  static forRoot(opts: PersistenceModuleOptions = {}): DynamicModule {
    const extra = opts.entities ?? [];
    const entities = [...CORE_ENTITIES, ...(Array.isArray(extra) ? extra : Object.values(extra))] as MixedList<Function | string>;
    return {
      module: PersistenceModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [{ token: ConfigService, optional: true }],
          useFactory: (config?: ConfigService) => ({
            ...buildDataSourceOptions({
              url: opts.url ?? config?.get<string>('DATABASE_URL') ?? DEFAULT_DATABASE_URL,
              entities,
              poolSize: opts.poolSize,
              applicationName: opts.applicationName,
            }),
            logger: new SafeTypeOrmLogger(),
            maxQueryExecutionTime: 1000,
            autoLoadEntities: true,
            retryAttempts: opts.retryAttempts ?? 5,
            retryDelay: 1000,
          }),
        }),
      ],
      exports: [TypeOrmModule],
    };
  }
}
