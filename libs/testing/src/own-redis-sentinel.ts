import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisTarget } from '@app/contracts';
import { launchRedisServer, plainServerArgs, waitForPort } from '@app/sandbox/local-redis-server';

/**
 * A Sentinel-managed Redis of a test's own: one master on `basePort` and one sentinel on `basePort + 1`
 * watching it as `name` (quorum 1). Enough to prove the clients find the master through the sentinel; failover
 * across sentinels is Redis's own, not exercised here. In-memory, `noeviction`. Nest-free.
 */
export interface OwnRedisSentinel {
  target: Extract<RedisTarget, { mode: 'sentinel' }>;
  masterPort: number;
  sentinelPort: number;
  stop(): Promise<void>;
}




export async function startOwnRedisSentinel(basePort: number, name = 'omnisync-test'): Promise<OwnRedisSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'own-redis-sentinel-'));
  const masterPort = basePort;
  const sentinelPort = basePort + 1;
  const master = launchRedisServer(plainServerArgs(masterPort));
  await waitForPort(masterPort);
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(conf, [`port ${sentinelPort}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`, `sentinel down-after-milliseconds ${name} 2000`, ''].join('\n'));
  const sentinel = launchRedisServer([conf, '--sentinel', '--loglevel', 'warning']);
  await waitForPort(sentinelPort);
  return {
    target: { mode: 'sentinel', sentinels: [{ host: '127.0.0.1', port: sentinelPort }], name },
    masterPort,
    sentinelPort,
    async stop() {
      await Promise.all(
        [master, sentinel].map(async (c) => {
          if (c.exitCode !== null || c.signalCode !== null) return;
          const exited = new Promise<void>((r) => c.once('exit', () => r()));
          c.kill('SIGTERM');
          await exited;
        }),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
