import { BadRequestException, ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ErpConnectionInvalidError, erpOptionsFromConnection, erpTestSend, type ErpConnectionSettings } from '@app/erp';
import {
  ErpConnection,
  ErpConnectionDirectory,
  type ErpConnectionSecrets,
  SecretBox,
  SecretBoxError,
  Shop,
  openErpSecrets,
  sealErpSecrets,
} from '@app/persistence';
import { OutboundPolicy } from '@app/net';
import { assertOutboundUrlField } from '@app/net/net.module';
import type { Repository } from 'typeorm';
import { CONNECTOR_FIELDS, type PutErpConnectionDto } from './dto/put-erp-connection.dto';
import { ErpConnectionView, type ErpTestView } from './dto/erp-connection.view';

const DEFAULT_BATCH_SIZE = 50;
const DEFAULT_TIMEOUT_MS = 5000;
const ALL_FIELDS = ['baseUrl', 'secret', 'appKey', 'appSecret', 'accessToken', 'shopIdMap', 'batchSize', 'timeoutMs', 'maxInFlight'] as const;
/** a merchant without shops still gets a well-formed sample order */
const NO_SHOP_ID = '00000000-0000-0000-0000-000000000000';

/** A merchant's own ERP connection (core.erp_connections). Only ever the caller's merchant: there is no id to guess. */
@Injectable()
export class ErpConnectionService {
  private readonly logger = new Logger(ErpConnectionService.name);

  constructor(
    @InjectRepository(ErpConnection) private readonly rows: Repository<ErpConnection>,
    @InjectRepository(Shop) private readonly shops: Repository<Shop>,
    private readonly box: SecretBox,
    private readonly directory: ErpConnectionDirectory,
    /** the app's outbound URL policy (libs/net): a merchant's ERP URL must be a public address, at save and at send */
    private readonly outbound: OutboundPolicy,
  ) {}

  async get(merchantId: string): Promise<ErpConnectionView> {
    const row = await this.rows.findOneBy({ merchantId });
    return row ? ErpConnectionView.of(row, this.tryOpen(row)) : ErpConnectionView.none(merchantId);
  }

  async put(merchantId: string, keyId: string, dto: PutErpConnectionDto): Promise<ErpConnectionView> {
    const allowed = new Set<string>(CONNECTOR_FIELDS[dto.connector]);
    const problems = ALL_FIELDS.filter((f) => dto[f] !== undefined && !allowed.has(f)).map((f) => `${f} is not a field of connector ${dto.connector}`);
    if (problems.length > 0) throw new BadRequestException(problems);
    if (dto.connector !== 'pull' && dto.baseUrl !== undefined) await assertOutboundUrlField(this.outbound, 'baseUrl', dto.baseUrl, 'erp');

    await this.rows.manager.transaction(async (em) => {
      const repo = em.getRepository(ErpConnection);
      const current = await repo.findOne({ where: { merchantId }, lock: { mode: 'pessimistic_write' } });
      // secrets left out are kept, but only those of the same connector (a switch needs the new connector's set)
      const kept: ErpConnectionSecrets = current && current.connector === dto.connector ? (this.tryOpen(current) ?? {}) : {};
      const secrets: ErpConnectionSecrets = {
        ...(dto.connector === 'generic-http' ? { secret: dto.secret ?? kept.secret } : {}),
        ...(dto.connector === 'jushuitan' ? { appSecret: dto.appSecret ?? kept.appSecret, accessToken: dto.accessToken ?? kept.accessToken } : {}),
      };
      const settings: ErpConnectionSettings = {
        connector: dto.connector,
        baseUrl: dto.connector === 'pull' ? null : (dto.baseUrl ?? null),
        appKey: dto.connector === 'jushuitan' ? (dto.appKey ?? (current?.connector === 'jushuitan' ? current.appKey : null)) : null,
        shopIdMap: dto.connector === 'jushuitan' ? (dto.shopIdMap ?? null) : null,
        batchSize: dto.batchSize ?? DEFAULT_BATCH_SIZE,
        timeoutMs: dto.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        secrets,
      };
      this.assertComplete(settings);
      const values: Partial<ErpConnection> = {
        connector: settings.connector,
        baseUrl: settings.baseUrl === null ? null : settings.baseUrl.replace(/\/+$/, ''),
        appKey: settings.appKey,
        shopIdMap: settings.shopIdMap,
        credentials: settings.connector === 'pull' ? null : sealErpSecrets(this.box, merchantId, stripUndefined(secrets)),
        batchSize: settings.batchSize,
        timeoutMs: settings.timeoutMs,
        maxInFlight: dto.connector === 'pull' ? null : (dto.maxInFlight ?? null),
        updatedBy: keyId,
        updatedAt: new Date(),
      };
      if (current) await repo.update({ merchantId }, values);
      else await repo.insert({ merchantId, ...values });
    });
    this.directory.invalidate(merchantId);
    this.logger.log(`merchant ${merchantId}: ERP connection set to ${dto.connector} by key ${keyId}`);
    return this.get(merchantId);
  }

  async test(merchantId: string, send: boolean): Promise<ErpTestView> {
    const row = await this.rows.findOneBy({ merchantId });
    if (!row) throw new NotFoundException('no ERP connection of this merchant: PUT /erp-connection first (deliveries use the default ERP)');
    if (row.connector === 'pull') throw new ConflictException('connector pull: nothing is pushed to the ERP, there is no request to show');
    const secrets = this.tryOpen(row);
    if (!secrets) throw new ConflictException('the stored ERP secrets cannot be decrypted: PUT /erp-connection with the secrets again');
    const options = this.optionsOrThrow({ ...row, secrets });
    const shop = await this.shops.findOne({ where: { merchantId }, order: { createdAt: 'ASC' }, select: { id: true } });
    const report = await erpTestSend(options!, shop?.id ?? NO_SHOP_ID, send, Object.values(secrets).filter((s): s is string => typeof s === 'string'));
    this.logger.log(`merchant ${merchantId}: ERP connection test (${send ? `sent, status ${report.response?.status ?? 'none'}` : 'dry run'})`);
    return report;
  }

  private assertComplete(settings: ErpConnectionSettings): void {
    const missing: string[] = [];
    if (settings.connector !== 'pull' && settings.baseUrl === null) missing.push('baseUrl is required for connector ' + settings.connector);
    if (settings.connector === 'generic-http' && !settings.secrets.secret) missing.push('secret is required for connector generic-http');
    if (settings.connector === 'jushuitan') {
      if (!settings.appKey) missing.push('appKey is required for connector jushuitan');
      if (!settings.secrets.appSecret) missing.push('appSecret is required for connector jushuitan');
      if (!settings.secrets.accessToken) missing.push('accessToken is required for connector jushuitan');
    }
    if (missing.length > 0) throw new BadRequestException(missing);
    this.optionsOrThrow(settings);
  }

  private optionsOrThrow(settings: ErpConnectionSettings) {
    try {
      return erpOptionsFromConnection(settings, { outbound: this.outbound });
    } catch (e) {
      if (e instanceof ErpConnectionInvalidError) throw new BadRequestException([e.message]);
      throw e;
    }
  }

  private tryOpen(row: ErpConnection): ErpConnectionSecrets | null {
    try {
      return openErpSecrets(this.box, row);
    } catch (e) {
      if (!(e instanceof SecretBoxError)) throw e;
      this.logger.error(`merchant ${row.merchantId}: ERP credentials cannot be decrypted (${e.code})`);
      return null;
    }
  }
}

function stripUndefined(s: ErpConnectionSecrets): ErpConnectionSecrets {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as ErpConnectionSecrets;
}
