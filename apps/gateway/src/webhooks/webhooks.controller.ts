import { Controller, HttpException, HttpStatus, Post, Req, Res } from '@nestjs/common';
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
  constructor(private readonly intake: WebhookIntakeService) {}

  @Post('douyin')
  douyin(@Req() req: WebhookRequest, @Res() res: ReplyTarget): Promise<void> {
    return this.handle('douyin', req, res);
  }

  @Post('xiaohongshu')
  xiaohongshu(@Req() req: WebhookRequest, @Res() res: ReplyTarget): Promise<void> {
    return this.handle('xiaohongshu', req, res);
  }

  private async handle(platform: Platform, req: WebhookRequest, res: ReplyTarget): Promise<void> {
    const reply = await this.intake.handle(platform, req.headers, this.bodyOf(req));
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
