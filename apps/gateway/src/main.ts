import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { bootstrap } from '@app/config';
import { createServiceApp, isEntryPoint, type ServiceApp, type ServiceAppOptions } from '@app/observability';
import { AppModule } from './app.module';
import { ApiKeysService } from './auth/api-keys.service';
import { GatewayEnv } from './config/env.validation';
import { OperatorCredential } from './ops/operator-credential';
import { mountQueueBoard } from './ops/queue-board';
import { applyWebhookBodyParser } from './webhooks/webhooks.module';
import { mountCatalogProxy } from './forwarding/catalog-proxy';
import { RateLimitService } from './limits/rate-limit.service';
import { keyRateLimit } from './limits/key-limit.middleware';
import { webhookRateLimit } from './limits/webhook-limit.middleware';

/** Ahead of every other middleware: limits that refuse without reading the body or looking up the key. */
function limitFirst(app: INestApplication): void {
  const limiter = app.get(RateLimitService, { strict: false });
  if (!limiter) return;
  // pushes are bounded per platform and source address before their body is read
  app.use('/webhooks', webhookRateLimit(limiter));
  // a key over its limit is refused before any other work
  app.use(keyRateLimit(limiter));
}

function configureGateway(app: INestApplication, env: GatewayEnv): void {
  const limiter = app.get(RateLimitService, { strict: false });
  // raw, bounded bodies for /webhooks/*: signatures are over the bytes as sent (before Nest's JSON parser)
  applyWebhookBodyParser(app, { maxDepth: env.HTTP_JSON_MAX_DEPTH });
  // the catalog API streams through to catalog-sync (CSV imports included) after the API-key check
  mountCatalogProxy(app, app.get(ApiKeysService), env.CATALOG_SYNC_URL, env.UPSTREAM_TIMEOUT_MS, env.INTERNAL_SERVICE_SECRET, limiter);
  // Bull Board: the platform operator's only (OPERATOR_TOKEN_SHA256); merchants see their own work at GET /ops/queues
  if (env.BULL_BOARD_ENABLED) mountQueueBoard(app, app.get(OperatorCredential), app.get(ApiKeysService));
  if (env.SWAGGER_ENABLED) {
    const config = new DocumentBuilder()
      .setTitle('omnisync gateway')
      .setDescription('Merchant, shop, catalog, order and ops API. Authenticate with `Authorization: Bearer <API key>`.')
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key (osk_...)' })
      .build();
    SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config));
  }
}

/** Builds the gateway (validated config, logger, pipes, filters, health, metrics, docs, Bull Board) without listening. */
export function createApp(opts: ServiceAppOptions = {}): Promise<ServiceApp<GatewayEnv>> {
  return createServiceApp(
    { name: 'gateway', EnvClass: GatewayEnv, rootModule: (env) => AppModule.forRoot(env), early: limitFirst, configure: configureGateway },
    opts,
  );
}

/** createApp + listen on PORT (0 = random, read it back from app.getHttpServer().address()). */
export async function bootstrapApp(opts: ServiceAppOptions = {}): Promise<ServiceApp<GatewayEnv>> {
  const created = await createApp(opts);
  await created.app.listen(created.env.PORT, created.env.BIND_HOST);
  created.logger.log({ msg: 'listening', host: created.env.BIND_HOST, port: created.env.PORT }, 'Bootstrap');
  return created;
}

if (isEntryPoint(module, __filename)) void bootstrap(() => bootstrapApp());
