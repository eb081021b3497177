import { bootstrap } from '@app/config';
import { createServiceApp, isEntryPoint, type ServiceApp, type ServiceAppOptions } from '@app/observability';
import { AppModule } from './app.module';
import { OrderSyncEnv } from './config/env.validation';

/** Builds the order-sync app (validated config, logger, pipes, filters, health, metrics) without listening. */
export function createApp(opts: ServiceAppOptions = {}): Promise<ServiceApp<OrderSyncEnv>> {
  return createServiceApp({ name: 'order-sync', EnvClass: OrderSyncEnv, rootModule: (env) => AppModule.forRoot(env), internal: true }, opts);
}

/** createApp + listen on PORT (0 = random, read it back from app.getHttpServer().address()). */
export async function bootstrapApp(opts: ServiceAppOptions = {}): Promise<ServiceApp<OrderSyncEnv>> {
  const created = await createApp(opts);
  await created.app.listen(created.env.PORT, created.env.BIND_HOST);
  created.logger.log({ msg: 'listening', host: created.env.BIND_HOST, port: created.env.PORT }, 'Bootstrap');
  return created;
}

if (isEntryPoint(module, __filename)) void bootstrap(() => bootstrapApp());
