import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicaliseDouyinParamJson, douyinPushSign, douyinSign, jushuitanSign, taobaoSign, xhsSign } from '.';

interface Vector {
  id: string;
  inputs: Record<string, any>;
  expectedSign: string;
}
// The committed copy of ../shared/platforms/sign-vectors.json (tests read nothing outside the repository).
const vectorFile = join(__dirname, '../../../testing/fixtures/sign-vectors.json');
const vectors: Vector[] = JSON.parse(readFileSync(vectorFile, 'utf8')).vectors;

function adapterSign(v: Vector): string {
  const i = v.inputs;
  if (v.id.startsWith('douyin-push')) return douyinPushSign(i.app_key, i.raw_body, i.app_secret);
  if (v.id.startsWith('douyin')) {
    const paramJson = canonicaliseDouyinParamJson(i.param_json_unsorted ?? i.param_json);
    expect(paramJson).toBe(i.param_json);
    return douyinSign({ appKey: i.app_key, appSecret: i.app_secret, method: i.method, paramJson, timestamp: i.timestamp, v: i.v, signMethod: i.sign_method });
  }
  if (v.id.startsWith('taobao')) return taobaoSign(i.params, i.app_secret);
  if (v.id.startsWith('xiaohongshu')) return xhsSign({ method: i.method, appId: i.appId, timestamp: i.timestamp, version: i.version, appSecret: i.appSecret });
  if (v.id.startsWith('jushuitan')) return jushuitanSign(i.params, i.app_secret);
  throw new Error(`no signer for ${v.id}`);
}

describe('sign vectors (shared/platforms/sign-vectors.json)', () => {
  it('has every vector the protocol reference lists', () => {
    expect(vectors.map((v) => v.id).sort()).toEqual(
      [
        'douyin-api-hmac-sha256', 'douyin-api-md5', 'douyin-api-nested-canonical', 'douyin-token-create', 'douyin-push-event-sign',
        'taobao-md5', 'taobao-hmac-md5', 'taobao-hmac-sha256', 'taobao-tmc-connect', 'xiaohongshu-api', 'xiaohongshu-oauth', 'jushuitan-api',
      ].sort(),
    );
  });

  it.each(vectors.map((v) => [v.id, v] as const))('%s signs to the expected value', (_id, v) => {
    expect(adapterSign(v)).toBe(v.expectedSign);
  });

  it.each(vectors.map((v) => [v.id, v] as const))('%s fails when one input byte changes', (_id, v) => {
    const tampered = JSON.parse(JSON.stringify(v)) as Vector;
    const i = tampered.inputs;
    if (i.app_secret) i.app_secret += 'x';
    else if (i.appSecret) i.appSecret += 'x';
    expect(adapterSign(tampered)).not.toBe(v.expectedSign);
  });
});
