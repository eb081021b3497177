import type { BreakerRegistry } from '@app/resilience';
import type { ErpConnector } from './erp-connector.port';
import type { ErpConnectorOptions } from './erp-options';
import { GenericHttpErpConnector } from './generic/generic-http-erp.connector';
import { JushuitanErpConnector } from './jushuitan/jushuitan-erp.connector';

/** Builds the configured connector; pass the app's BreakerRegistry to share it (else the connector owns one). */
export function createErpConnector(options: ErpConnectorOptions, breakers?: BreakerRegistry): ErpConnector {
  switch (options.connector) {
    case 'generic-http':
      return new GenericHttpErpConnector(options, breakers);
    case 'jushuitan':
      return new JushuitanErpConnector(options, breakers);
    default: {
      const never: never = options;
      throw new Error(`unknown ERP connector ${String((never as { connector?: unknown }).connector)}`);
    }
  }
}
