import { Logger } from '@nestjs/common';
import { PinoLoggerService, createPinoLogger } from './pino-logger.service';
import { REDACTED, redact } from './redact';
import { runWithRequestId } from './request-context';

function collector() {
  const lines: Record<string, unknown>[] = [];
  return { lines, destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) } };
}

describe('redact', () => {
  it('replaces secret-looking keys at any depth, in objects and arrays', () => {
    const input = {
      shopId: 's1',
      appSecret: 'a',
      nested: {
        app_secret: 'b',
        deeper: [{ accessToken: 'c', access_token: 'd', refreshToken: 'e', refresh_token: 'f', keep: 1 }],
        headers: { Authorization: 'Bearer x', 'x-api-key': 'k' },
      },
      sign: 'g',
      secret: 'h',
      password: 'i',
      credentials: { user: 'u', pass: 'p' },
    };
    const out = redact(input) as typeof input;
    expect(out.shopId).toBe('s1');
    expect(out.appSecret).toBe(REDACTED);
    expect(out.nested.app_secret).toBe(REDACTED);
    const d = out.nested.deeper[0];
    expect([d.accessToken, d.access_token, d.refreshToken, d.refresh_token]).toEqual([REDACTED, REDACTED, REDACTED, REDACTED]);
    expect(d.keep).toBe(1);
    expect(out.nested.headers.Authorization).toBe(REDACTED);
    expect(out.nested.headers['x-api-key']).toBe(REDACTED);
    expect([out.sign, out.secret, out.password, out.credentials]).toEqual([REDACTED, REDACTED, REDACTED, REDACTED]);
    expect(input.appSecret).toBe('a'); // the original is untouched
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { name: 'a', password: 'p' };
    a.self = a;
    expect(redact(a)).toEqual({ name: 'a', password: REDACTED, self: '[Circular]' });
  });
});

describe(PinoLoggerService.name, () => {
  it('writes JSON lines with context, redacted fields and the correlation id', () => {
    const c = collector();
    const sut = new PinoLoggerService(createPinoLogger({ level: 'info', app: 'test', destination: c.destination }));
    runWithRequestId('req-1', () =>
      sut.log({ msg: 'token refreshed', shop: { id: 's1', accessToken: 'tok', deep: { app_secret: 'x' } } }, 'AuthService'),
    );
    expect(c.lines).toHaveLength(1);
    const line = c.lines[0];
    expect(line).toMatchObject({ msg: 'token refreshed', context: 'AuthService', requestId: 'req-1', app: 'test', level: 30 });
    expect(line.shop).toEqual({ id: 's1', accessToken: REDACTED, deep: { app_secret: REDACTED } });
    expect(JSON.stringify(line)).not.toMatch(/tok"|"x"/);
  });

  it('serves Nest Logger calls (string message, error with stack, level filtering)', () => {
    const c = collector();
    const sut = new PinoLoggerService(createPinoLogger({ level: 'info', destination: c.destination }));
    Logger.overrideLogger(sut);
    try {
      new Logger('Ctx').debug('hidden');
      new Logger('Ctx').error('boom', 'Error: boom\n    at x');
    } finally {
      Logger.overrideLogger(false);
    }
    const errors = c.lines.filter((l) => l.level === 50);
    expect(c.lines.some((l) => l.msg === 'hidden')).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ msg: 'boom', context: 'Ctx', stack: 'Error: boom\n    at x' });
  });
});
