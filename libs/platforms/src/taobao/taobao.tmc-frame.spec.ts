import { TmcFrameError, TmcKind, TmcMessageType, decodeTmcFrame, encodeTmcFrame, type TmcFrame } from './taobao.tmc-frame';
import { TMC_SDK, tmcConfirmFrame, tmcConnectFrame, tmcConnectSign, tmcDataRecord, tmcPullFrame, tmcSocketUrl } from './taobao.tmc-socket';
import { tmcMessageToPush } from './taobao.tmc';
import { OutboundPolicy, platformPurpose } from '@app/net';

/*
 * Frames built byte by byte by the rules of tmcpy 0.3.3's messageio.py writer (little-endian; u8 version,
 * u8 type; u16 header type; custom = u16 1, counted key, u8 value format, value; u16 0 ends), independently
 * of our encoder.
 */
const u8 = (v: number) => Buffer.from([v]);
const u16 = (v: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
};
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
};
const u64 = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
};
const counted = (s: string) => Buffer.concat([u32(Buffer.byteLength(s)), Buffer.from(s, 'utf8')]);
const custom = (key: string, format: number, value: Buffer) => Buffer.concat([u16(1), counted(key), u8(format), value]);
const str = (key: string, v: string) => custom(key, 1, counted(v));

describe('TMC frame codec (tmcpy messageio layout)', () => {
  it('decodes a CONNECT built by tmcpy rules: version 2, type 0, flag 1, the five custom headers', () => {
    const bytes = Buffer.concat([
      u8(2), u8(0),
      u16(4), u32(1), // flag
      str('timestamp', '1717000000000'),
      str('app_key', '12345678'),
      str('sdk', 'top-sdk-java-201403304'),
      str('sign', 'FDDD570783531F51B5BB0651FBC87BC9'),
      str('group_name', 'default'),
      u16(0),
    ]);
    const f = decodeTmcFrame(bytes);
    expect(f).toEqual({
      protocolVersion: 2,
      messageType: TmcMessageType.Connect,
      flag: 1,
      content: { timestamp: '1717000000000', app_key: '12345678', sdk: 'top-sdk-java-201403304', sign: 'FDDD570783531F51B5BB0651FBC87BC9', group_name: 'default' },
    });
    // and our CONNECT for the same inputs is byte-identical (tmcpy's header order)
    expect(tmcConnectFrame({ appKey: '12345678', appSecret: 'top_test_secret_0001' }, 'default', 1717000000000).equals(bytes)).toBe(true);
  });

  it('signs CONNECT as the taobao-tmc-connect vector (md5 over app_key, group_name, timestamp ms)', () => {
    expect(tmcConnectSign('12345678', 'default', '1717000000000', 'top_test_secret_0001')).toBe('FDDD570783531F51B5BB0651FBC87BC9');
    expect(TMC_SDK).toBe('top-sdk-java-201403304');
  });

  it('decodes a CONNECTACK (status code + token) and a pushed SEND into the PushMessage the HTTP consume gives', () => {
    const ack = decodeTmcFrame(Buffer.concat([u8(2), u8(1), u16(2), u32(0), u16(5), counted('tok-1'), u16(0)]));
    expect(ack).toEqual({ protocolVersion: 2, messageType: TmcMessageType.ConnectAck, statusCode: 0, token: 'tok-1', content: {} });

    const pubMs = Date.UTC(2024, 4, 30, 4, 0, 0); // 2024-05-30 12:00:00 GMT+8
    const content = '{"tid":4012345678901234567,"status":"WAIT_SELLER_SEND_GOODS","modified":"2024-05-30 12:00:01"}';
    const data = decodeTmcFrame(
      Buffer.concat([
        u8(2), u8(2),
        custom('__kind', 2, u8(3)),
        custom('id', 5, u64(3812345678901234567n)),
        str('topic', 'taobao_trade_TradeBuyerPay'),
        str('content', content),
        str('pub_app_key', '12345678'),
        custom('pub_time', 6, u64(BigInt(pubMs))),
        custom('user_id', 5, u64(2200000000001n)),
        str('user_nick', '测试店铺'),
        u16(0),
      ]),
    );
    expect(data.content.id).toBe(3812345678901234567n);
    expect(data.content.pub_time).toEqual(new Date(pubMs));
    const record = tmcDataRecord(data)!;
    expect(record).toMatchObject({ id: '3812345678901234567', topic: 'taobao_trade_TradeBuyerPay', pub_time: '2024-05-30 12:00:00', user_id: '2200000000001', user_nick: '测试店铺' });
    const push = tmcMessageToPush(record);
    expect(push).toMatchObject({
      platform: 'taobao',
      messageId: '3812345678901234567',
      platformShopId: '2200000000001',
      kind: 'order',
      platformOrderId: '4012345678901234567', // exact: the content's number is read losslessly
      paidAt: '2024-05-30T04:00:01.000Z',
      raw: content,
    });
  });

  it('writes Confirm and PullRequest as tmcpy utils does: SEND, token header, __kind, the id as u64', () => {
    expect(tmcConfirmFrame('tok-1', '3812345678901234567').equals(Buffer.concat([u8(2), u8(2), u16(5), counted('tok-1'), custom('__kind', 2, u8(2)), custom('id', 5, u64(3812345678901234567n)), u16(0)]))).toBe(true);
    expect(tmcPullFrame('tok-1').equals(Buffer.concat([u8(2), u8(2), u16(5), counted('tok-1'), custom('__kind', 2, u8(1)), u16(0)]))).toBe(true);
    expect(decodeTmcFrame(tmcConfirmFrame('t', 'abc')).content).toEqual({ __kind: TmcKind.Confirm, id: 'abc' });
  });

  it('round-trips every header and value format', () => {
    const frame: TmcFrame = {
      protocolVersion: 2,
      messageType: TmcMessageType.SendAck,
      statusCode: 401,
      statusPhrase: '签名无效 invalid sign',
      flag: 7,
      token: 'tök',
      content: {
        nothing: null,
        s: 'héllo 淘宝',
        empty: '',
        b: 255,
        i16: 65535,
        i32: 4294967295,
        big: 9007199254740993n,
        n64: 2 ** 40,
        when: new Date(1717000000123),
        raw: new Uint8Array([0, 1, 254, 255]),
      },
    };
    const back = decodeTmcFrame(encodeTmcFrame(frame));
    expect(back).toEqual({ ...frame, content: { ...frame.content, n64: BigInt(2 ** 40) } });
    // the narrowest width is picked for numbers (tmcpy's rule): 255 -> byte, 65535 -> int16, 2^32-1 -> int32
    const b = encodeTmcFrame({ messageType: 2, content: { x: 255 } });
    expect(b.subarray(-4, -2)).toEqual(Buffer.from([2, 255]));
  });

  it('refuses short, truncated and unknown frames with a clear error', () => {
    expect(() => decodeTmcFrame(Buffer.from([2, 2, 0]))).toThrow(/shorter than the smallest frame/);
    expect(() => decodeTmcFrame(Buffer.alloc(0))).toThrow(TmcFrameError);
    expect(() => decodeTmcFrame(Buffer.from([2, 9, 0, 0]))).toThrow(/unknown message type 9/);
    expect(() => decodeTmcFrame(Buffer.concat([u8(2), u8(2), u16(42), u16(0)]))).toThrow(/unknown header type 42/);
    expect(() => decodeTmcFrame(Buffer.concat([u8(2), u8(2), u16(1), counted('k'), u8(99), u16(0)]))).toThrow(/unknown value format 99 for k/);
    // a counted string claiming more bytes than the frame has
    expect(() => decodeTmcFrame(Buffer.concat([u8(2), u8(1), u16(5), u32(100), Buffer.from('tok'), u16(0)]))).toThrow(/truncated at byte 8: token needs 100/);
    // no end-of-headers marker
    expect(() => decodeTmcFrame(Buffer.concat([u8(2), u8(1), u16(4), u32(1)]))).toThrow(/truncated.*header type/);
    expect(() => encodeTmcFrame({ messageType: 2, content: { x: -1 } })).toThrow(/not an unsigned integer/);
  });

  it('ignores SENDs that are not messages (a PullRequest answer, a Confirm)', () => {
    expect(tmcDataRecord(decodeTmcFrame(tmcPullFrame('t')))).toBeNull();
    expect(tmcDataRecord({ protocolVersion: 2, messageType: TmcMessageType.SendAck, content: { id: 1 } })).toBeNull();
  });
});

describe(tmcSocketUrl.name, () => {
  it('points the production router at ws://mc.api.taobao.com/ and anything else at its own origin', () => {
    expect(tmcSocketUrl('https://eco.taobao.com')).toBe('ws://mc.api.taobao.com/');
    expect(tmcSocketUrl('http://gw.api.taobao.com/router/rest')).toBe('ws://mc.api.taobao.com/');
    expect(tmcSocketUrl('http://127.0.0.1:4102')).toBe('ws://127.0.0.1:4102/');
    expect(tmcSocketUrl('https://tb.sim.example:8443/x')).toBe('wss://tb.sim.example:8443/');
  });
  it('the production message host passes the default outbound policy (as the socket checks it: ws as http); another host does not', () => {
    const policy = new OutboundPolicy();
    expect(policy.checkUrl(tmcSocketUrl('https://eco.taobao.com').replace(/^ws/, 'http'), platformPurpose('taobao')).host).toBe('mc.api.taobao.com');
    expect(() => policy.checkUrl('http://mc.api.evil.example/', platformPurpose('taobao'))).toThrow(/not a taobao API host/);
  });
});
