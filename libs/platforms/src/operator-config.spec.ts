import { PLATFORM_PRODUCTION_BASE_URL, PlatformOperatorConfig } from './operator-config';

describe(PlatformOperatorConfig.name, () => {
  it('defaults every platform to its production host and takes the operator override without a trailing slash', () => {
    const sut = PlatformOperatorConfig.fromEnv((n) => ({ PLATFORM_BASE_URL_TAOBAO: 'http://127.0.0.1:4102/' })[n]);
    expect(sut.baseUrl('douyin')).toBe(PLATFORM_PRODUCTION_BASE_URL.douyin);
    expect(sut.baseUrl('taobao')).toBe('http://127.0.0.1:4102');
    expect(sut.authorizeUrls.taobao).toBe('https://oauth.taobao.com/authorize');
  });

  it('knows the operator apps by platform and key only', () => {
    const sut = PlatformOperatorConfig.fromEnv((n) => ({ PLATFORM_APPS: JSON.stringify([{ platform: 'douyin', appKey: 'k1', appSecret: 's1' }]) })[n]);
    expect(sut.operatorApp('douyin', 'k1')?.appSecret).toBe('s1');
    expect(sut.operatorApp('taobao', 'k1')).toBeNull();
    expect(sut.defaultOperatorApp('douyin')?.appKey).toBe('k1');
    expect(sut.defaultOperatorApp('xiaohongshu')).toBeNull();
  });
});
