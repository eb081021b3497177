import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { CatalogSyncEnv } from '../../apps/catalog-sync/src/config/env.validation';
import { CouponEnv } from '../../apps/coupon/src/config/env.validation';
import { GatewayEnv } from '../../apps/gateway/src/config/env.validation';
import { OrderSyncEnv } from '../../apps/order-sync/src/config/env.validation';

/** Every validated variable of every app, read from class-validator's metadata (the same rules boot uses). */
function variables(EnvClass: Function): string[] {
  const metas = getMetadataStorage().getTargetValidationMetadatas(EnvClass, '', true, false);
  return [...new Set(metas.map((m) => m.propertyName))].sort();
}

describe('.env.example', () => {
  const text = readFileSync(join(__dirname, '../../.env.example'), 'utf8');
  const documented = new Set([...text.matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));

  it.each([
    ['gateway', GatewayEnv],
    ['order-sync', OrderSyncEnv],
    ['catalog-sync', CatalogSyncEnv],
    ['coupon', CouponEnv],
  ] as const)('documents every variable %s validates', (_app, EnvClass) => {
    const vars = variables(EnvClass);
    expect(vars.length).toBeGreaterThan(8);
    expect(vars.filter((v) => !documented.has(v))).toEqual([]);
  });
});
