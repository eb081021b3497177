import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERP_CONNECTION_KINDS, type ErpConnectionKind } from '@app/erp';
import type { ErpConnection, ErpConnectionSecrets } from '@app/persistence';

/** A merchant's ERP connection as the API shows it: which secrets are set, never their values. */
export class ErpConnectionView {
  @ApiProperty({ description: 'false: no connection of its own; deliveries use the deployment’s default ERP (environment)' })
  configured: boolean;
  @ApiProperty({ format: 'uuid' }) merchantId: string;
  @ApiPropertyOptional({ enum: ERP_CONNECTION_KINDS, nullable: true }) connector: ErpConnectionKind | null;
  @ApiPropertyOptional({ type: String, nullable: true }) baseUrl: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) appKey: string | null;
  @ApiPropertyOptional({ type: 'object', nullable: true, additionalProperties: true }) shopIdMap: Record<string, string | number> | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) batchSize: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) timeoutMs: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true, description: "ERP calls in flight at most; null: the deployment's default" })
  maxInFlight: number | null;
  @ApiProperty({ description: 'names of the secrets stored (values are never returned)', type: [String] }) secretsSet: string[];
  @ApiProperty({ enum: ['ok', 'unreadable', 'none'], description: "'unreadable': the stored secrets do not decrypt with SECRETS_KEY" })
  credentials: 'ok' | 'unreadable' | 'none';
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) updatedAt: string | null;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'the API key that last changed it' }) updatedBy: string | null;

  static none(merchantId: string): ErpConnectionView {
    return Object.assign(new ErpConnectionView(), {
      configured: false,
      merchantId,
      connector: null,
      baseUrl: null,
      appKey: null,
      shopIdMap: null,
      batchSize: null,
      timeoutMs: null,
      maxInFlight: null,
      secretsSet: [],
      credentials: 'none',
      updatedAt: null,
      updatedBy: null,
    });
  }

  static of(row: ErpConnection, secrets: ErpConnectionSecrets | null): ErpConnectionView {
    return Object.assign(new ErpConnectionView(), {
      configured: true,
      merchantId: row.merchantId,
      connector: row.connector,
      baseUrl: row.baseUrl,
      appKey: row.appKey,
      shopIdMap: row.shopIdMap,
      batchSize: row.batchSize,
      timeoutMs: row.timeoutMs,
      maxInFlight: row.maxInFlight ?? null,
      secretsSet: secrets ? Object.keys(secrets).filter((k) => Boolean(secrets[k as keyof ErpConnectionSecrets])).sort() : [],
      credentials: row.credentials === null ? 'none' : secrets ? 'ok' : 'unreadable',
      updatedAt: row.updatedAt.toISOString(),
      updatedBy: row.updatedBy,
    });
  }
}

export class ErpTestRequestView {
  @ApiProperty() method: string;
  @ApiProperty() url: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'as sent, e.g. X-Omnisync-Timestamp, X-Omnisync-Signature, Idempotency-Key' })
  headers: Record<string, string>;
  @ApiProperty({ description: 'the exact body bytes signed and sent (secrets inside a form body, such as access_token, shown as [redacted])' })
  body: string;
}

export class ErpTestResponseView {
  @ApiPropertyOptional({ type: Number, nullable: true, description: "the ERP's HTTP status; null when no answer came (network error, timeout)" })
  status: number | null;
  @ApiProperty({ description: 'whether the connector accepted the answer as a delivery of the sample order' }) ok: boolean;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'our error code when not ok (UpstreamError kind)' }) error: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'a short, sanitised excerpt of the answer or error (≤ 200 characters)' })
  excerpt: string | null;
}

export class ErpTestView {
  @ApiProperty({ enum: ['generic-http', 'jushuitan'] }) connector: string;
  @ApiProperty() sent: boolean;
  @ApiProperty({ type: ErpTestRequestView }) request: ErpTestRequestView;
  @ApiPropertyOptional({ type: ErpTestResponseView, nullable: true }) response: ErpTestResponseView | null;
}
