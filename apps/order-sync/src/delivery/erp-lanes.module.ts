import { Global, Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { ErpConnectionDirectoryModule } from '@app/persistence';
import { ERP_LANE_SETTINGS, ErpLanes, type ErpLaneSettings } from './erp-lanes';

/**
 * One ErpLanes per process (global): the order path and shipments resolve a merchant to the same lane, so
 * they share its breaker. `imports` must export the default ErpConnector (ErpModule from the environment).
 */
@Global()
@Module({})
export class ErpLanesModule {
  static forRoot(imports: NonNullable<ModuleMetadata['imports']>, settings?: ErpLaneSettings): DynamicModule {
    return {
      module: ErpLanesModule,
      global: true,
      imports: [...imports, ErpConnectionDirectoryModule],
      providers: [ErpLanes, ...(settings ? [{ provide: ERP_LANE_SETTINGS, useValue: settings }] : [])],
      exports: [ErpLanes],
    };
  }
}
