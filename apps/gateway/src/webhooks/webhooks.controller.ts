import { Controller, HttpException, HttpStatus, Inject, NotFoundException, Param, Post, Req, Res } from '@nestjs/common';
import { PlatformRegistry } from '@app/platforms';
import type { Platform } from '@app/contracts';
import { Public } from '../auth/decorators';
import type { CapturedBody, WebhookRequest } from './webhook-body.middleware';
import { WebhookIntakeService } from './webhook-intake.service';

interface ReplyTarget {
  status(code: number): ReplyTarget;
  json(body: unknown): unknown;
}

/** Platform push endpoints (Taobao uses TMC, consumed by order-sync). Authenticated by signature, not API key. */
@Controller('webhooks')
@Public()
export class WebhooksController {
  constructor(
    private readonly intake: WebhookIntakeService,
    @Inject(PlatformRegistry) private readonly registry: PlatformRegistry,
  ) {}

  /**
   * One route for every platform that pushes over HTTP (registry: orderIntake 'push'), so /webhooks/douyin
   * and /webhooks/xiaohongshu keep their URLs. Any other name is 404, before anything is read or stored.
   */
  @Post(':platform')
  push(@Param('platform') platform: string, @Req() req: WebhookRequest, @Res() res: ReplyTarget): Promise<void> {
    const pushers = this.registry.pushPlatforms();
    if (!pushers.includes(platform)) {
      const why = this.registry.has(platform) ? `platform ${platform} does not push over HTTP` : `unknown platform ${JSON.stringify(platform)}`;
      throw new NotFoundException(`${why}; webhooks exist for: ${pushers.join(', ')}`);
    }
    return this.handle(platform, req, res);
  }

  private async handle(platform: Platform, req: WebhookRequest, res: ReplyTarget): Promise<void> {
    const reply = await this.intake.handle(platform, req.headers, this.bodyOf(req), queryOf(req), pathOf(req));
    res.status(reply.status).json(reply.body);
  }

  private bodyOf(req: WebhookRequest): CapturedBody {
    if (req.webhookBody) return req.webhookBody;
    // fallback when main.ts used { rawBody: true } instead of applyWebhookBodyParser
    if (Buffer.isBuffer(req.rawBody)) return { ok: true, raw: req.rawBody };
    throw new HttpException(
      'webhook body not captured: call applyWebhookBodyParser(app) in main.ts before listen()',
      HttpStatus.INTERNAL_SERVER_ERROR,
    );
  }
}

/**
 * the path the platform posted to, without the query (Xiaohongshu signs it): Express's originalUrl, which a mounted
 * middleware does not rewrite, else the raw url
 */
function pathOf(req: WebhookRequest): string {
  const url = (req as unknown as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** the request's query parameters (Express parses them into req.query; read from the URL otherwise) */
function queryOf(req: WebhookRequest): Record<string, unknown> {
  const q = (req as unknown as { query?: unknown }).query;
  if (q && typeof q === 'object') return q as Record<string, unknown>;
  return Object.fromEntries(new URL(req.url ?? '/', 'http://local').searchParams);
}
