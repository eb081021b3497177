import type { ErpConnector } from '@app/erp';
import { BreakerRegistry } from '@app/resilience';
import { ErpLanes } from './erp-lanes';

const fakeErp = { maxBatch: 50, limits: { maxSockets: 36, timeoutMs: 1000, timeoutMaxMs: 2000 } } as unknown as ErpConnector;
const fail = () => Promise.reject(new Error('ERP down'));
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`${ErpLanes.name} breakerStatus (GET /ops/breakers)`, () => {
  let breakers: BreakerRegistry;
  let sut: ErpLanes;

  beforeEach(() => {
    breakers = new BreakerRegistry({ requestTimeoutMs: 1000, resetTimeoutMs: 100, consecutiveFailures: 3, volumeThreshold: 100 });
    sut = new ErpLanes(fakeErp, undefined, breakers);
    sut.onModuleInit();
  });
  afterEach(() => {
    sut.onModuleDestroy();
    breakers.shutdown();
  });

  it('reports the default lane open since its first opening; a failed half-open trial keeps the clock; closing clears it', async () => {
    expect(await sut.breakerStatus('m1')).toEqual([]);
    for (let i = 0; i < 3; i++) await breakers.exec('erp:default', fail).catch(() => undefined);
    const [open] = await sut.breakerStatus('m1');
    expect(open).toMatchObject({ upstream: 'erp', lane: 'default', state: 'open' });
    expect(open.openSince).not.toBeNull();

    await wait(150);
    await breakers.exec('erp:default', fail).catch(() => undefined);
    const [again] = await sut.breakerStatus('m1');
    expect(again.state).toBe('open');
    expect(again.openSince).toBe(open.openSince);

    await wait(150);
    await breakers.exec('erp:default', () => Promise.resolve('ok'));
    expect(await sut.breakerStatus('m1')).toEqual([{ upstream: 'erp', lane: 'default', state: 'closed', openSince: null }]);
  });
});
