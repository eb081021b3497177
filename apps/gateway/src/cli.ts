/**
 * Gateway admin CLI: `node scripts/run-ts.js apps/gateway/src/cli.ts <command> [options]` (or `npm run cli -- …`).
 *
 *   create-admin-key --merchant "<name>" [--name "<label>"]
 *       creates the merchant if missing and an admin API key; the key alone goes to stdout, once.
 *   add-shop --merchant "<name>" --platform <douyin|taobao|xiaohongshu> --platform-shop-id <id> --name <name>
 *            --app-key <key> [--app-secret <secret>] [--access-token <t>] [--refresh-token <t>]
 *            [--token-expires-at <iso>]   (needs SECRETS_KEY; no --app-secret for the operator's PLATFORM_APPS;
 *            the API base URL is PLATFORM_BASE_URL_<PLATFORM>)
 *
 * Reads DATABASE_URL (default postgres://postgres@127.0.0.1:5432/omnisync). Migrates nothing: run `npm run migrate` first.
 */
import { parseArgs } from 'node:util';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import {
  ApiKey,
  CORE_ENTITIES,
  DEFAULT_DATABASE_URL,
  Merchant,
  PlatformApp,
  PlatformAppRegistry,
  SecretBox,
  Shop,
  ShopDirectoryService,
  buildDataSourceOptions,
} from '@app/persistence';
import { PlatformOperatorConfig } from '@app/platforms';
import { START_POSTGRES_HINT, describeDatabaseUrl, isPostgresUnreachable } from '@app/persistence/cli/db-errors';
import { DataSource } from 'typeorm';
import { ApiKeysService } from './auth/api-keys.service';
import { MerchantsService } from './merchants/merchants.service';
import { CreateShopDto } from './shops/dto/create-shop.dto';
import { ShopsService } from './shops/shops.service';

const USAGE = `usage:
  cli create-admin-key --merchant "<name>" [--name "<label>"]
  cli add-shop --merchant "<name>" --platform <douyin|taobao|xiaohongshu> --platform-shop-id <id> --name <name>
               --app-key <key> [--app-secret <secret>] [--access-token <t>] [--refresh-token <t>]
               [--token-expires-at <iso>]`;

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

export async function runCli(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const [command, ...rest] = argv;
  const url = env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  try {
    switch (command) {
      case 'create-admin-key':
        return await withDatabase(url, (ds) => createAdminKey(ds, rest, io));
      case 'add-shop':
        return await withDatabase(url, (ds) => addShop(ds, rest, env, io));
      case undefined:
      case 'help':
      case '--help':
        io.err(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new CliError(`unknown command "${command}"\n${USAGE}`, 2);
    }
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`cli: ${e.message}`);
      return e.exitCode;
    }
    if (isPostgresUnreachable(e)) {
      io.err(`cli: PostgreSQL is not reachable at ${describeDatabaseUrl(url)}; start it with: ${START_POSTGRES_HINT}`);
      return 1;
    }
    if (isMissingDatabase(e)) {
      io.err(`cli: database ${describeDatabaseUrl(url)} does not exist: run npm run migrate`);
      return 1;
    }
    io.err(`cli: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

async function withDatabase(url: string, fn: (ds: DataSource) => Promise<number>): Promise<number> {
  const ds = new DataSource({ ...buildDataSourceOptions({ url, entities: CORE_ENTITIES, poolSize: 2, applicationName: 'omnisync-cli' }), logging: false });
  await ds.initialize();
  try {
    const [row] = (await ds.query(`SELECT to_regclass('core.api_keys') IS NOT NULL AS ok`)) as { ok: boolean }[];
    if (!row?.ok) throw new CliError(`the core tables are missing in ${describeDatabaseUrl(url)}: run npm run migrate`);
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}

function options<T extends Record<string, { type: 'string' }>>(args: string[], spec: T): Record<keyof T, string | undefined> {
  try {
    return parseArgs({ args, options: spec, strict: true, allowPositionals: false }).values as unknown as Record<keyof T, string | undefined>;
  } catch (e) {
    throw new CliError(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`, 2);
  }
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new CliError(`${flag} is required\n${USAGE}`, 2);
  return value;
}

async function createAdminKey(ds: DataSource, args: string[], io: Io): Promise<number> {
  const o = options(args, { merchant: { type: 'string' }, name: { type: 'string' } });
  const merchantName = required(o.merchant, '--merchant');
  const { merchant, created } = await new MerchantsService(ds.getRepository(Merchant)).findOrCreateByName(merchantName);
  const { apiKey, key } = await new ApiKeysService(ds.getRepository(ApiKey)).create(merchant.id, o.name ?? 'admin (cli)', ['admin']);
  io.err(`merchant "${merchant.name}" ${merchant.id}${created ? ' (created)' : ''}`);
  io.err(`admin key osk_${apiKey.prefix} created; it is printed once below, store it now:`);
  io.out(key);
  return 0;
}

async function addShop(ds: DataSource, args: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const o = options(args, {
    merchant: { type: 'string' },
    platform: { type: 'string' },
    'platform-shop-id': { type: 'string' },
    name: { type: 'string' },
    'app-key': { type: 'string' },
    'app-secret': { type: 'string' },
    'access-token': { type: 'string' },
    'refresh-token': { type: 'string' },
    'token-expires-at': { type: 'string' },
  });
  const merchantName = required(o.merchant, '--merchant');
  const dto = plainToInstance(CreateShopDto, {
    platform: o.platform,
    platformShopId: o['platform-shop-id'],
    name: o.name,
    appKey: o['app-key'],
    appSecret: o['app-secret'],
    accessToken: o['access-token'],
    refreshToken: o['refresh-token'],
    tokenExpiresAt: o['token-expires-at'],
  });
  const problems = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (problems.length > 0) {
    throw new CliError(problems.flatMap((p) => Object.values(p.constraints ?? {})).join('; '), 2);
  }
  const box = SecretBox.fromConfig(env.SECRETS_KEY);
  const merchant = await new MerchantsService(ds.getRepository(Merchant)).findOrCreateByName(merchantName);
  let operator: PlatformOperatorConfig;
  try {
    operator = PlatformOperatorConfig.fromEnv((name) => env[name]);
  } catch (e) {
    throw new CliError(`PLATFORM_APPS ${e instanceof Error ? e.message : String(e)}`, 2);
  }
  const apps = new PlatformAppRegistry(ds.getRepository(PlatformApp), ds.getRepository(Shop), box, operator);
  const shops = new ShopsService(ds.getRepository(Shop), box, new ShopDirectoryService(ds.getRepository(Shop), box, apps, operator), apps);
  const view = await shops.create(merchant.merchant.id, dto);
  io.out(`shop ${view.id} registered: ${view.platform}/${view.platformShopId} "${view.name}" at ${operator.baseUrl(view.platform)}`);
  return 0;
}

function isMissingDatabase(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '3D000';
}

if (process.argv[1] === __filename) {
  runCli(process.argv.slice(2), process.env, { out: (l) => console.log(l), err: (l) => console.error(l) }).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`cli: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
