import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { currentRequestId } from '../logging/request-context';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  requestId?: string;
}

/**
 * Every error leaves as JSON `{statusCode, error, message}` — no stack, no internals. HttpExceptions keep
 * their status and message (validation messages are arrays); anything else is a 500 with a generic
 * message and is logged (with stack) server-side.
 */
@Catch()
export class JsonExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const res = host.switchToHttp().getResponse<{ headersSent?: boolean; status(c: number): { json(b: unknown): void } }>();
    const body = toErrorBody(exception);
    if (body.statusCode >= 500) {
      this.logger.error({ msg: 'request failed', err: exception, statusCode: body.statusCode });
    }
    if (res.headersSent) return;
    res.status(body.statusCode).json(body);
  }
}

export function toErrorBody(exception: unknown): ErrorBody {
  const requestId = currentRequestId();
  if (exception instanceof HttpException) {
    const statusCode = exception.getStatus();
    const r = exception.getResponse();
    let message: string | string[] = exception.message;
    let error = STATUS_CODES[statusCode] ?? 'Error';
    if (typeof r === 'string') message = r;
    else if (r && typeof r === 'object') {
      const o = r as { message?: unknown; error?: unknown };
      if (typeof o.message === 'string' || (Array.isArray(o.message) && o.message.every((m) => typeof m === 'string'))) {
        message = o.message as string | string[];
      }
      if (typeof o.error === 'string') error = o.error;
    }
    return { statusCode, error, message, ...(requestId ? { requestId } : {}) };
  }
  // body-parser errors carry a status (e.g. 400 bad JSON, 413 too large) and a safe message
  const status = (exception as { status?: unknown; expose?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500 && (exception as { expose?: unknown }).expose === true) {
    return {
      statusCode: status,
      error: STATUS_CODES[status] ?? 'Error',
      message: (exception as Error).message,
      ...(requestId ? { requestId } : {}),
    };
  }
  return {
    statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
    error: 'Internal Server Error',
    message: 'internal error',
    ...(requestId ? { requestId } : {}),
  };
}
