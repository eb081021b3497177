import { randomBytes } from 'node:crypto';
import { Controller, Get, type INestApplication, type LoggerService, type ModuleMetadata } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import type { Role } from '@app/contracts';
import { NetModule } from '@app/net/net.module';
import { StrictValidationPipe } from '@app/observability';
import { PersistenceModule } from '@app/persistence';
import { testOutboundPolicy } from '@app/testing/outbound-policy';
import { AuthModule } from '../../src/auth/auth.module';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { Public } from '../../src/auth/decorators';
import { MerchantsModule } from '../../src/merchants/merchants.module';
import { MerchantsService } from '../../src/merchants/merchants.service';
import { ShopsModule } from '../../src/shops/shops.module';
import { ErpConnectionModule } from '../../src/erp-connection/erp-connection.module';

@Controller('probe')
class ProbeController {
  @Public()
  @Get('public')
  open() {
    return { ok: true };
  }
}

/** Collects everything Nest would log, to assert that no secret reaches the logs. */
export class CaptureLogger implements LoggerService {
  readonly lines: string[] = [];
  private push(level: string, args: unknown[]) {
    this.lines.push(`${level} ${args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`);
  }
  log(...a: unknown[]) { this.push('log', a); }
  error(...a: unknown[]) { this.push('error', a); }
  warn(...a: unknown[]) { this.push('warn', a); }
  debug(...a: unknown[]) { this.push('debug', a); }
  verbose(...a: unknown[]) { this.push('verbose', a); }
  fatal(...a: unknown[]) { this.push('fatal', a); }
  text(): string {
    return this.lines.join('\n');
  }
}

export interface GatewayHarness {
  app: INestApplication;
  logs: CaptureLogger;
  secretsKeyHex: string;
  /** a merchant (created if missing) and a key with these roles; returns the bearer key */
  keyFor(merchantName: string, roles: Role[]): Promise<{ key: string; merchantId: string; keyId: string }>;
  close(): Promise<void>;
}

/** The gateway's auth, merchants, shops and ERP connection modules over a real database, with the app's ValidationPipe. */
export async function buildGatewayHarness(
  databaseUrl: string,
  env: Record<string, string> = {},
  extraImports: NonNullable<ModuleMetadata['imports']> = [],
): Promise<GatewayHarness> {
  const secretsKeyHex = randomBytes(32).toString('hex');
  const logs = new CaptureLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ DATABASE_URL: databaseUrl, SECRETS_KEY: secretsKeyHex, ...env })] }),
      PersistenceModule.forRoot({ url: databaseUrl, poolSize: 3, retryAttempts: 1 }),
      AuthModule,
      MerchantsModule,
      ShopsModule,
      ErpConnectionModule,
      // the tests' ERP simulators listen on loopback: the operator allowance the demo and tests run with
      NetModule.forRoot(testOutboundPolicy()),
      ...extraImports,
    ],
    controllers: [ProbeController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: logs });
  app.useGlobalPipes(new StrictValidationPipe());
  await app.init();
  const merchants = app.get(MerchantsService);
  const apiKeys = app.get(ApiKeysService);
  return {
    app,
    logs,
    secretsKeyHex,
    async keyFor(merchantName, roles) {
      const { merchant } = await merchants.findOrCreateByName(merchantName);
      const { apiKey, key } = await apiKeys.create(merchant.id, `${roles.join('+')} key`, roles);
      return { key, merchantId: merchant.id, keyId: apiKey.id };
    },
    close: () => app.close(),
  };
}
