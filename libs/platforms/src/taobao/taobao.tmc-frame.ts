/**
 * The TMC WebSocket frame codec (Taobao's message service, PROTOCOLS.md 2.4).
 *
 * Written from the layout read in the open-source Python client tmcpy 0.3.3 (pypi `tmcpy`:
 * `tmcpy/messageio.py` reader / writer, `tmcpy/messagetype.py` codes, `tmcpy/message.py`); our own
 * TypeScript, not a port. What tmcpy shows (confirmed by reading it):
 *
 *   frame   = u8 protocolVersion (tmcpy always writes 2), u8 messageType, header*, u16 0 (end of headers)
 *   header  = u16 headerType, then by type:
 *             2 statusCode   u32
 *             3 statusPhrase counted string
 *             4 flag         u32
 *             5 token        counted string
 *             1 custom       counted string key, u8 valueFormat, value
 *   value   = 0 void (nothing) | 1 counted string | 2 u8 | 3 u16 | 4 u32 | 5 u64 | 6 date (u64 ms since the epoch)
 *             | 7 byte array (u32 length + bytes)
 *   counted string = u32 byte length + UTF-8 bytes (length 0 = empty)
 *   every integer little-endian ("<" in tmcpy's struct formats)
 *   message types: 0 CONNECT, 1 CONNECTACK, 2 SEND, 3 SENDACK
 *
 * Where tmcpy's writer disagrees with its own reader we follow the reader (the side that parses what the
 * server sends): an empty string is a u32 0 (tmcpy's writer emits a single 0 byte), a string's length is
 * its UTF-8 byte length (tmcpy's writer counts characters), and statusPhrase goes under header type 3
 * (tmcpy's writer reuses type 2). tmcpy's writer also emits a void marker before a falsy value's real
 * value; we write one marker per value.
 *
 * Unconfirmed (not visible in tmcpy): whether the server's u64 values are signed (tmcpy reads them
 * unsigned, as we do), and any value format beyond 0-7.
 */

export const TMC_PROTOCOL_VERSION = 2;

export const TmcMessageType = { Connect: 0, ConnectAck: 1, Send: 2, SendAck: 3 } as const;
export type TmcMessageTypeCode = (typeof TmcMessageType)[keyof typeof TmcMessageType];

export const TmcHeaderType = { EndOfHeaders: 0, Custom: 1, StatusCode: 2, StatusPhrase: 3, Flag: 4, Token: 5 } as const;

export const TmcValueFormat = { Void: 0, CountedString: 1, Byte: 2, Int16: 3, Int32: 4, Int64: 5, Date: 6, ByteArray: 7 } as const;

/**
 * `__kind` of a SEND frame's content: 1 PullRequest and 2 Confirm are in tmcpy (`QueryMessage`,
 * `ConfirmMessage` in message.py); 3 Data (a pushed message) is from PROTOCOLS.md (the Node port / Java
 * SDK), not visible in tmcpy, which treats every server SEND as a message: unconfirmed.
 */
export const TmcKind = { PullRequest: 1, Confirm: 2, Data: 3 } as const;

/** A decoded custom value: u64 values are bigint (message ids exceed 2^53), dates are Date. */
export type TmcValue = null | string | number | bigint | Date | Uint8Array;

export interface TmcFrame {
  protocolVersion: number;
  messageType: TmcMessageTypeCode;
  statusCode?: number;
  statusPhrase?: string;
  flag?: number;
  token?: string;
  content: Record<string, TmcValue>;
}

export class TmcFrameError extends Error {
  constructor(message: string) {
    super(`TMC frame: ${message}`);
    this.name = 'TmcFrameError';
  }
}

const U64_MAX = (1n << 64n) - 1n;

class Writer {
  private readonly parts: Buffer[] = [];
  private fixed(size: number, write: (b: Buffer) => void): void {
    const b = Buffer.alloc(size);
    write(b);
    this.parts.push(b);
  }
  u8(v: number): void {
    this.fixed(1, (b) => b.writeUInt8(v));
  }
  u16(v: number): void {
    this.fixed(2, (b) => b.writeUInt16LE(v));
  }
  u32(v: number): void {
    this.fixed(4, (b) => b.writeUInt32LE(v));
  }
  u64(v: bigint): void {
    this.fixed(8, (b) => b.writeBigUInt64LE(v));
  }
  bytes(v: Uint8Array): void {
    this.u32(v.length);
    this.parts.push(Buffer.from(v));
  }
  string(v: string): void {
    this.bytes(Buffer.from(v, 'utf8'));
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function writeValue(w: Writer, key: string, v: TmcValue | undefined): void {
  if (v === null || v === undefined) {
    w.u8(TmcValueFormat.Void);
  } else if (typeof v === 'string') {
    w.u8(TmcValueFormat.CountedString);
    w.string(v);
  } else if (typeof v === 'number') {
    // tmcpy picks the narrowest unsigned width a value fits in
    if (!Number.isSafeInteger(v) || v < 0) throw new TmcFrameError(`value of ${key} (${v}) is not an unsigned integer: send it as a string`);
    if (v <= 0xff) {
      w.u8(TmcValueFormat.Byte);
      w.u8(v);
    } else if (v <= 0xffff) {
      w.u8(TmcValueFormat.Int16);
      w.u16(v);
    } else if (v <= 0xffffffff) {
      w.u8(TmcValueFormat.Int32);
      w.u32(v);
    } else {
      w.u8(TmcValueFormat.Int64);
      w.u64(BigInt(v));
    }
  } else if (typeof v === 'bigint') {
    // a bigint is always written as u64 (message ids: 19 digits, u64 in tmcpy's rule too)
    if (v < 0n || v > U64_MAX) throw new TmcFrameError(`value of ${key} (${v}) does not fit u64`);
    w.u8(TmcValueFormat.Int64);
    w.u64(v);
  } else if (v instanceof Date) {
    w.u8(TmcValueFormat.Date);
    w.u64(BigInt(v.getTime()));
  } else if (v instanceof Uint8Array) {
    w.u8(TmcValueFormat.ByteArray);
    w.bytes(v);
  } else {
    throw new TmcFrameError(`value of ${key} has an unsupported type`);
  }
}

/** Encodes a frame: fixed headers in tmcpy's writer order (status code, phrase, flag, token), then content. */
export function encodeTmcFrame(frame: Omit<TmcFrame, 'protocolVersion'> & { protocolVersion?: number }): Buffer {
  const w = new Writer();
  w.u8(frame.protocolVersion ?? TMC_PROTOCOL_VERSION);
  w.u8(frame.messageType);
  if (frame.statusCode !== undefined) {
    w.u16(TmcHeaderType.StatusCode);
    w.u32(frame.statusCode);
  }
  if (frame.statusPhrase !== undefined) {
    w.u16(TmcHeaderType.StatusPhrase);
    w.string(frame.statusPhrase);
  }
  if (frame.flag !== undefined) {
    w.u16(TmcHeaderType.Flag);
    w.u32(frame.flag);
  }
  if (frame.token !== undefined) {
    w.u16(TmcHeaderType.Token);
    w.string(frame.token);
  }
  for (const [key, value] of Object.entries(frame.content)) {
    w.u16(TmcHeaderType.Custom);
    w.string(key);
    writeValue(w, key, value);
  }
  w.u16(TmcHeaderType.EndOfHeaders);
  return w.done();
}

class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number, what: string): void {
    if (this.at + n > this.buf.length) throw new TmcFrameError(`truncated at byte ${this.at}: ${what} needs ${n} byte(s), ${this.buf.length - this.at} left`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.buf.readUInt8(this.at++);
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16LE(this.at);
    this.at += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  u64(what: string): bigint {
    this.need(8, what);
    const v = this.buf.readBigUInt64LE(this.at);
    this.at += 8;
    return v;
  }
  bytes(what: string): Buffer {
    const n = this.u32(`${what} length`);
    this.need(n, what);
    const v = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  string(what: string): string {
    return this.bytes(what).toString('utf8');
  }
}

function readValue(r: Reader, key: string): TmcValue {
  const format = r.u8(`value format of ${key}`);
  switch (format) {
    case TmcValueFormat.Void:
      return null;
    case TmcValueFormat.CountedString:
      return r.string(`value of ${key}`);
    case TmcValueFormat.Byte:
      return r.u8(`value of ${key}`);
    case TmcValueFormat.Int16:
      return r.u16(`value of ${key}`);
    case TmcValueFormat.Int32:
      return r.u32(`value of ${key}`);
    case TmcValueFormat.Int64:
      return r.u64(`value of ${key}`);
    case TmcValueFormat.Date:
      return new Date(Number(r.u64(`value of ${key}`)));
    case TmcValueFormat.ByteArray:
      return new Uint8Array(r.bytes(`value of ${key}`));
    default:
      // tmcpy reads any other format as a counted string; an unknown format is refused here (unconfirmed what the server may send)
      throw new TmcFrameError(`unknown value format ${format} for ${key}`);
  }
}

/** Decodes one binary frame; throws TmcFrameError on a short frame, an unknown message / header type or value format. */
export function decodeTmcFrame(data: Buffer | Uint8Array): TmcFrame {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (buf.length < 4) throw new TmcFrameError(`${buf.length} byte(s) is shorter than the smallest frame (4: version, type, end of headers)`);
  const r = new Reader(buf);
  const protocolVersion = r.u8('protocol version');
  const messageType = r.u8('message type');
  if (messageType > TmcMessageType.SendAck) throw new TmcFrameError(`unknown message type ${messageType}`);
  const frame: TmcFrame = { protocolVersion, messageType: messageType as TmcMessageTypeCode, content: {} };
  for (;;) {
    const header = r.u16('header type');
    if (header === TmcHeaderType.EndOfHeaders) break;
    switch (header) {
      case TmcHeaderType.Custom: {
        const key = r.string('custom header key');
        frame.content[key] = readValue(r, key);
        break;
      }
      case TmcHeaderType.StatusCode:
        frame.statusCode = r.u32('status code');
        break;
      case TmcHeaderType.StatusPhrase:
        frame.statusPhrase = r.string('status phrase');
        break;
      case TmcHeaderType.Flag:
        frame.flag = r.u32('flag');
        break;
      case TmcHeaderType.Token:
        frame.token = r.string('token');
        break;
      default:
        throw new TmcFrameError(`unknown header type ${header}`);
    }
  }
  // bytes after the end of headers are ignored, as tmcpy's reader does (whether the server ever sends a body there is unconfirmed)
  return frame;
}
