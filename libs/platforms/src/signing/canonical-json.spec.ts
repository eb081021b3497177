import { LosslessNumber, parse } from 'lossless-json';
import { canonicalJson, parseExact, parseLossless, quoteUnsafeNumbers, rawNumber } from './canonical-json';
import { num, str } from '../http/lossless';

/** the straightforward definition canonicalJson must keep matching byte for byte */
function reference(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof LosslessNumber) return value.value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object' && value !== null && 'digits' in value) return (value as { digits: string }).digits;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => reference(v === undefined ? null : v)).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(obj[k])}`).join(',')}}`;
}

/** deterministic pseudo-random JSON-ish values with the awkward cases (LCG so a failure reproduces) */
function generator(seed: number) {
  let s = seed;
  const rnd = (n: number) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % n;
  };
  const strings = ['', 'a', 'ERP-SKU-1', '请尽快发货', 'quote " and \\ backslash', 'tab\tnew\nline', '\u0001ctl', 'x:6918123456789000000,', '😀', '/slash/', '~'];
  const value = (depth: number): unknown => {
    switch (depth > 3 ? rnd(6) : rnd(9)) {
      case 0: return strings[rnd(strings.length)];
      case 1: return rnd(2) === 0;
      case 2: return null;
      case 3: return [0, -1, 12.5, 1e21, 0.1, 2 ** 53, -12345][rnd(7)];
      case 4: return rawNumber(`69181234567890${String(rnd(100000)).padStart(5, '0')}`);
      case 5: return new LosslessNumber(['12.50', '-3', '9007199254740993', '1E+2'][rnd(4)]);
      case 6: return Array.from({ length: rnd(4) }, () => (rnd(5) === 0 ? undefined : value(depth + 1)));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = rnd(5); i > 0; i--) o[['b', 'a', 'order_id', 'Z', '中文', 'a"b', 'k\n'][rnd(7)] + (rnd(3) === 0 ? String(i) : '')] = rnd(6) === 0 ? undefined : value(depth + 1);
        return o;
      }
    }
  };
  return value;
}

describe('canonicalJson', () => {
  it('matches the plain definition byte for byte on 2,000 generated documents', () => {
    const gen = generator(7);
    for (let i = 0; i < 2000; i++) {
      const v = gen(0);
      expect(canonicalJson(v)).toBe(reference(v));
    }
  });

  it('sorts keys at every depth, writes exact numbers, drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [rawNumber('6918123456789000001'), undefined], c: '中' }, u: undefined })).toBe(
      '{"a":{"c":"中","d":[6918123456789000001,null]},"b":1}',
    );
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/non-finite/);
  });
});

describe('parseExact', () => {
  it('keeps 19-digit ids exact (as digit strings), small numbers as numbers, strings untouched', () => {
    const text = '{"order_id":6918123456789000001,"neg":-6918123456789000001,"amount":12.5,"n":3,"s":"x:6918123456789000002,","e":"\\"6918123456789000003\\"","big_dec":12345678901234567.5,"arr":[6918123456789000004,1]}';
    expect(parseExact(text)).toEqual({
      order_id: '6918123456789000001',
      neg: '-6918123456789000001',
      amount: 12.5,
      n: 3,
      s: 'x:6918123456789000002,',
      e: '"6918123456789000003"',
      big_dec: '12345678901234567.5',
      arr: ['6918123456789000004', 1],
    });
    expect(quoteUnsafeNumbers('{"a":1,"b":"2"}')).toBe('{"a":1,"b":"2"}');
  });

  it('reads the same through str()/num() as the lossless parser on 2,000 generated documents', () => {
    const gen = generator(11);
    const walk = (a: unknown, b: unknown): void => {
      if (Array.isArray(b)) {
        expect(Array.isArray(a)).toBe(true);
        (b as unknown[]).forEach((x, i) => walk((a as unknown[])[i], x));
      } else if (b instanceof LosslessNumber) {
        // 16+ digits keep their exact spelling; shorter numbers keep their value
        if (b.value.replace(/\D/g, '').length >= 16) expect(str(a)).toBe(b.value);
        else expect(Number(str(a))).toBe(Number(b.value));
        expect(num(a)).toBe(num(b));
      } else if (b !== null && typeof b === 'object') {
        expect(Object.keys(a as object).sort()).toEqual(Object.keys(b).sort());
        for (const k of Object.keys(b)) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]);
      } else {
        expect(a).toEqual(b);
      }
    };
    for (let i = 0; i < 2000; i++) {
      const text = canonicalJson(gen(0));
      walk(parseExact(text), parse(text));
    }
    expect(parseLossless('{"id":6918123456789000001}')).toEqual({ id: new LosslessNumber('6918123456789000001') });
  });
});
