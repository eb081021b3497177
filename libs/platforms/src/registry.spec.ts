import { UnknownPlatformError } from '@app/contracts';
import { capabilitiesOf, hasCapability } from './capabilities';
import type { PlatformAdapterDeps } from './http';
import { PLATFORM_MANIFESTS, PlatformRegistry, douyinManifestForTests, manifestProblems, platformQpsFor, platformRegistry } from './registry';

const deps = { directory: {}, breakers: {}, limiter: {}, options: { timeoutMs: 1000 } } as unknown as PlatformAdapterDeps;

describe('platform registry', () => {
  it('knows the registered platforms, in order', () => {
    // the manifests' own list, in order (a new platform is one line in PLATFORM_MANIFESTS, not an edit here)
    expect(platformRegistry.names()).toEqual(PLATFORM_MANIFESTS.map((m) => m.name));
    expect(platformRegistry.names().slice(0, 3)).toEqual(['douyin', 'taobao', 'xiaohongshu']);
    expect(platformRegistry.pushPlatforms()).toEqual(PLATFORM_MANIFESTS.filter((m) => m.orderIntake === 'push').map((m) => m.name));
    expect(platformRegistry.pushPlatforms()).toEqual(expect.arrayContaining(['douyin', 'xiaohongshu']));
  });

  it('an unknown platform throws naming it and the field, never falls back to another platform', () => {
    expect(() => platformRegistry.get('kwai')).toThrow(UnknownPlatformError);
    expect(() => platformRegistry.get('kwai')).toThrow(`platform: unknown platform "kwai"; must be one of: ${platformRegistry.names().join(', ')}`);
    expect(() => platformRegistry.assert('XIAOHONGSHU', 'shares.XIAOHONGSHU')).toThrow(/^shares\.XIAOHONGSHU: unknown platform/);
    expect(platformRegistry.has('')).toBe(false);
    expect(platformRegistry.has(undefined)).toBe(false);
    expect(platformRegistry.assert('taobao')).toBe('taobao');
  });

  it('rejects a duplicate name', () => {
    expect(() => new PlatformRegistry([...PLATFORM_MANIFESTS, { ...douyinManifestForTests, displayName: 'again' }])).toThrow('platform douyin is registered twice');
  });

  it('rejects an incomplete or malformed manifest', () => {
    expect(() => new PlatformRegistry([{ ...douyinManifestForTests, name: 'Bad Name' }])).toThrow(/name must match/);
    expect(manifestProblems({ ...douyinManifestForTests, productionHosts: [] })).toContain('productionHosts must be a non-empty list of host names');
    expect(manifestProblems({ ...douyinManifestForTests, productionBaseUrl: 'https://elsewhere.example' })).toContain('productionBaseUrl host is not in productionHosts');
    const { listingRules: _omitted, ...noRules } = douyinManifestForTests;
    expect(manifestProblems(noRules as typeof douyinManifestForTests)).toContain('listingRules missing');
  });

  it.each(PLATFORM_MANIFESTS.map((m) => [m.name, m] as const))('%s: manifest complete and consistent with its adapter', (_name, m) => {
    expect(manifestProblems(m)).toEqual([]);
    const adapter = m.createAdapter(deps);
    expect(adapter).toBeInstanceOf(m.adapter);
    expect(adapter.platform).toBe(m.name);
    // the manifest's order intake matches the adapter's push transport
    expect(adapter.capabilities.pushTransport === 'http').toBe(m.orderIntake === 'push');
    expect(hasCapability(adapter, 'httpPush')).toBe(m.orderIntake === 'push');
    expect(hasCapability(adapter, 'tmc')).toBe(adapter.capabilities.pushTransport === 'tmc');
    // delta only where the adapter can send one
    if (m.stockDeltaIdempotent) expect(adapter.capabilities.stockDelta).toBe(true);
  });

  it('capability guards follow the adapters (price read not on Taobao, TMC only on Taobao)', () => {
    const caps = Object.fromEntries(PLATFORM_MANIFESTS.map((m) => [m.name, capabilitiesOf(m.createAdapter(deps))]));
    expect(caps.taobao).not.toContain('priceRead');
    expect(caps.taobao).toContain('tmc');
    expect(caps.douyin).not.toContain('tmc');
    expect(caps.douyin).toEqual(expect.arrayContaining(['priceRead', 'productLookup', 'httpPush']));
  });

  it("caps a shop's calls of an API with a published per-user limit (manifest apiQps), leaves every other key alone", () => {
    const reg = new PlatformRegistry([...PLATFORM_MANIFESTS, { ...douyinManifestForTests, name: 'qpsplat', apiQps: { 'x.list': { perApp: 100, perUser: 7 } } }]);
    const qpsFor = platformQpsFor(50, reg);
    expect(qpsFor('qpsplat:7a4e1f3c-0000-4000-8000-000000000001:x.list')).toBe(7);
    expect(platformQpsFor(5, reg)('qpsplat:s1:x.list')).toBe(5); // never above PLATFORM_QPS_PER_SHOP
    expect(qpsFor('qpsplat:s1:x.detail')).toBeUndefined();
    expect(qpsFor('qpsplat:s1')).toBeUndefined(); // scope 'shop'
    expect(qpsFor('nosuch:s1:x.list')).toBeUndefined();
    expect(platformQpsFor(1000)('kuaishou:s1:open.item.new')).toBe(50);
    expect(manifestProblems({ ...douyinManifestForTests, apiQps: { 'x.list': { perApp: 0, perUser: 1 } } })).toContain('apiQps.x.list needs perApp and perUser > 0');
  });
});
