import type { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import { redact } from './redact';
import { currentRequestId } from './request-context';

export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  /** pino level: fatal, error, warn, info, debug, trace, silent */
  level?: string;
  /** json in production (one JSON object per line), pretty = one readable line */
  format?: LogFormat;
  /** app name, added to every line as `app` */
  app?: string;
  /** where lines go (default stdout); tests pass a collecting stream */
  destination?: DestinationStream;
}

/** One readable line per record, no extra dependency: `12:00:00.123 INFO  [Context] message {rest}` */
export function prettyDestination(out: NodeJS.WritableStream = process.stdout): DestinationStream {
  const names: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
  return {
    write(line: string) {
      try {
        const { time, level, msg, context, app, pid: _pid, hostname: _h, ...rest } = JSON.parse(line) as Record<string, unknown>;
        const t = new Date(Number(time)).toISOString().slice(11, 23);
        const extra = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
        out.write(`${t} ${names[Number(level)] ?? level} ${app ? `${String(app)} ` : ''}${context ? `[${String(context)}] ` : ''}${String(msg ?? '')}${extra}\n`);
      } catch {
        out.write(line);
      }
    },
  };
}

/** A pino logger with deep secret redaction and the correlation id on every line. */
export function createPinoLogger(opts: LoggerOptions = {}): Logger {
  const destination = opts.destination ?? (opts.format === 'pretty' ? prettyDestination() : undefined);
  return pino(
    {
      level: opts.level ?? 'info',
      base: opts.app ? { app: opts.app } : { pid: process.pid },
      timestamp: pino.stdTimeFunctions.epochTime,
      messageKey: 'msg',
      formatters: {
        level: (_label, number) => ({ level: number }),
        // redaction at any depth: pino's own `redact` paths only reach fixed depths
        log: (obj) => redact(obj) as Record<string, unknown>,
      },
      mixin: () => {
        const requestId = currentRequestId();
        return requestId ? { requestId } : {};
      },
    },
    destination as DestinationStream,
  );
}

const NEST_TO_PINO: Record<NestLogLevel, 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal'> = {
  log: 'info',
  error: 'error',
  warn: 'warn',
  debug: 'debug',
  verbose: 'trace',
  fatal: 'fatal',
};

/**
 * Nest LoggerService over pino: `app.useLogger(new PinoLoggerService(...))`; code keeps using
 * `new Logger(Class.name)`. Object messages are merged into the line (after redaction).
 */
export class PinoLoggerService implements LoggerService {
  readonly pino: Logger;

  constructor(optsOrLogger: LoggerOptions | Logger = {}) {
    this.pino = isPino(optsOrLogger) ? optsOrLogger : createPinoLogger(optsOrLogger);
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: NestLogLevel, message: unknown, rest: unknown[]): void {
    const method = NEST_TO_PINO[level];
    // Nest convention: the last string argument is the context; for error(), a preceding string is a stack
    const params = [...rest];
    let context: string | undefined;
    if (params.length && typeof params[params.length - 1] === 'string') context = params.pop() as string;
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    if (level === 'error' && params.length && typeof params[0] === 'string') fields.stack = params.shift();
    for (const p of params) {
      if (p instanceof Error) fields.err = p;
      else if (p && typeof p === 'object') Object.assign(fields, p);
    }
    if (message instanceof Error) {
      this.pino[method]({ ...fields, err: message }, message.message);
    } else if (message && typeof message === 'object') {
      const { msg, message: m, ...obj } = message as Record<string, unknown>;
      this.pino[method]({ ...fields, ...obj }, String(msg ?? m ?? ''));
    } else {
      this.pino[method](fields, String(message));
    }
  }
}

function isPino(x: unknown): x is Logger {
  return typeof x === 'object' && x !== null && typeof (x as Logger).child === 'function' && 'levels' in (x as object);
}
