import { CLUSTER_FAILOVER_OPTIONS, clusterOptions, REDIS_ERROR_REPEAT_MS, redisErrorLog } from './redis-client';

describe('redisErrorLog', () => {
  const fakeLogger = () => ({ warn: jest.fn(), error: jest.fn(), log: jest.fn() });
  let now = 1_000_000;
  beforeEach(() => {
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  it('logs the first error of an outage, counts the repeats, and reports them in the next line and on recovery', () => {
    const logger = fakeLogger();
    const sut = redisErrorLog('omnisync-test', { logger });
    const err = new Error('connect ECONNREFUSED 127.0.0.1:6390');
    sut.onError(err);
    sut.onError(err);
    sut.onError(err);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenLastCalledWith({ msg: 'redis connection error', client: 'omnisync-test', error: err.message });
    now += REDIS_ERROR_REPEAT_MS;
    sut.onError(err);
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(logger.warn).toHaveBeenLastCalledWith({ msg: 'redis connection error', client: 'omnisync-test', error: err.message, repeatedSinceLastLine: 2 });
    sut.onError(err);
    sut.onBack();
    expect(logger.log).toHaveBeenCalledWith({ msg: 'redis connection back', client: 'omnisync-test', errorsNotLogged: 1 });
    // back once: a second 'ready' says nothing; the next outage is logged at once
    sut.onBack();
    expect(logger.log).toHaveBeenCalledTimes(1);
    sut.onError(err);
    expect(logger.warn).toHaveBeenCalledTimes(3);
  });

  it('uses the level and message it is given (workers)', () => {
    const logger = fakeLogger();
    redisErrorLog('{erp-push}', { logger, msg: 'worker error', level: 'error' }).onError(new Error('boom'));
    expect(logger.error).toHaveBeenCalledWith({ msg: 'worker error', client: '{erp-push}', error: 'boom' });
    expect(logger.warn).not.toHaveBeenCalled();
  });
});

describe('clusterOptions', () => {
  it('puts per-connection options on every node and the offline queue, lazy connect and retry strategy on the cluster client', () => {
    const retry = (n: number) => n * 10;
    const sut = clusterOptions(
      { host: 'ignored', port: 1, db: 3, maxRetriesPerRequest: null, commandTimeout: 400, connectionName: 'w', enableOfflineQueue: false, lazyConnect: true, retryStrategy: retry },
      { password: 'pw' },
    );
    expect(sut).toMatchObject({
      redisOptions: { maxRetriesPerRequest: null, commandTimeout: 400, connectionName: 'w', password: 'pw' },
      enableOfflineQueue: false,
      lazyConnect: true,
      clusterRetryStrategy: retry,
      ...CLUSTER_FAILOVER_OPTIONS,
    });
    // a cluster has no databases and no single host
    expect(sut.redisOptions).not.toHaveProperty('db');
    expect(sut.redisOptions).not.toHaveProperty('host');
    expect(sut.redisOptions).not.toHaveProperty('enableOfflineQueue');
  });
});
