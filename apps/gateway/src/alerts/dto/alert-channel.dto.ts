import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ALERT_CHANNEL_KINDS, ALERT_LEVELS, type AlertChannelKind, type AlertLevel } from '../alert-levels';

export class CreateAlertChannelDto {
  @ApiProperty({ enum: ALERT_CHANNEL_KINDS })
  @IsIn(ALERT_CHANNEL_KINDS, { message: `kind must be one of: ${ALERT_CHANNEL_KINDS.join(', ')}` })
  kind: AlertChannelKind;

  @ApiProperty({ maxLength: 100, example: '运维群 ops group' })
  @IsString({ message: 'name must be a string' })
  @IsNotEmpty({ message: 'name must not be empty' })
  @MaxLength(100, { message: 'name must be at most 100 characters' })
  name: string;

  @ApiProperty({
    writeOnly: true,
    description:
      'the robot webhook URL as the tool hands it out (its token is a credential: stored encrypted, shown masked): DingTalk https://oapi.dingtalk.com/robot/send?access_token=…, Feishu https://open.feishu.cn/open-apis/bot/v2/hook/…, WeCom https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…, webhook any public https URL',
    maxLength: 1000,
  })
  @IsString({ message: 'url must be a string' })
  @Matches(/^https?:\/\/\S+$/, { message: 'url must be an http(s) URL' })
  @MaxLength(1000, { message: 'url must be at most 1000 characters' })
  url: string;

  @ApiPropertyOptional({ writeOnly: true, description: "DingTalk's SEC… secret (加签), Feishu's signing secret (签名校验), the webhook's HMAC secret; required for those kinds, refused for wecom" })
  @IsOptional()
  @IsString({ message: 'secret must be a string' })
  @MinLength(8, { message: 'secret must be at least 8 characters' })
  @MaxLength(512, { message: 'secret must be at most 512 characters' })
  secret?: string;

  @ApiPropertyOptional({ enum: ALERT_LEVELS, default: 'warning', description: 'alerts below this level are not sent to the channel' })
  @IsOptional()
  @IsIn(ALERT_LEVELS, { message: `minLevel must be one of: ${ALERT_LEVELS.join(', ')}` })
  minLevel?: AlertLevel;
}

export class AlertChannelView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: "null: the operator's channel (every merchant's alerts)" }) merchantId: string | null;
  @ApiProperty({ enum: ALERT_CHANNEL_KINDS }) kind: AlertChannelKind;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'the URL with its token masked' }) url: string;
  @ApiProperty({ description: 'whether a signing secret is stored (never returned)' }) signed: boolean;
  @ApiProperty({ enum: ALERT_LEVELS }) minLevel: AlertLevel;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) lastSentAt: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: "the last failure: the tool's code and message (e.g. dingtalk 310000 sign not match)" }) lastError: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) lastErrorAt: string | null;
}

export class AlertChannelTestView {
  @ApiProperty() ok: boolean;
  @ApiProperty({ enum: ALERT_CHANNEL_KINDS }) kind: AlertChannelKind;
  @ApiPropertyOptional({ type: Number, nullable: true }) status: number | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: "the tool's code (DingTalk/WeCom errcode, Feishu code) or ours (network, timeout, refused, http_<status>)" }) code: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) message: string | null;
}
