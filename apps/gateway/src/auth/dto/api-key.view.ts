import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ROLES, type Role } from '@app/contracts';
import type { ApiKey } from '@app/persistence';
import { displayPrefix } from '../api-key-format';

/** An API key as the API shows it: never its secret or hash. */
export class ApiKeyView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'osk_1a2b3c4d', description: 'the public start of the key' }) prefix: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles: Role[];
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: 'to the minute' }) lastUsedAt: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: 'refused from then on' }) expiresAt: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) revokedAt: string | null;

  static of(k: ApiKey): ApiKeyView {
    return Object.assign(new ApiKeyView(), {
      id: k.id,
      name: k.name,
      prefix: displayPrefix(k.prefix),
      roles: k.roles,
      createdAt: k.createdAt.toISOString(),
      lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
      expiresAt: k.expiresAt?.toISOString() ?? null,
      revokedAt: k.revokedAt?.toISOString() ?? null,
    });
  }
}

export class CreatedApiKeyView extends ApiKeyView {
  @ApiProperty({ description: 'the full key; shown only in this response, store it now' })
  key: string;

  static withKey(k: ApiKey, key: string): CreatedApiKeyView {
    return Object.assign(new CreatedApiKeyView(), ApiKeyView.of(k), { key });
  }
}
