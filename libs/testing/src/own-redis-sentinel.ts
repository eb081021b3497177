import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisTarget } from '@app/contracts';
import { launchRedisServer, plainServerArgs, waitForPort } from '@app/sandbox/local-redis-server';

/**
 * A Sentinel-managed Redis of a test's own: one master on `basePort` and one sentinel on `basePort + 1` watching
 * it as `name` (quorum 1); with `replica`, a replica of it on `basePort + 2` that the sentinel promotes when the
 * master dies (`killMaster`: down after 1 s, failover). In-memory, `noeviction`. Nest-free.
 */
export interface OwnRedisSentinel {
  target: Extract<RedisTarget, { mode: 'sentinel' }>;
  masterPort: number;
  sentinelPort: number;
  /** the replica's port (with `replica`), null without one */
  replicaPort: number | null;
  /** SIGKILLs the first master (the sentinel fails over to the replica, when there is one) */
  killMaster(): void;
  stop(): Promise<void>;
}

export async function startOwnRedisSentinel(basePort: number, name = 'omnisync-test', o: { replica?: boolean } = {}): Promise<OwnRedisSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'own-redis-sentinel-'));
  const masterPort = basePort;
  const sentinelPort = basePort + 1;
  const replicaPort = o.replica ? basePort + 2 : null;
  const master = launchRedisServer(plainServerArgs(masterPort));
  await waitForPort(masterPort);
  const replica = replicaPort === null ? null : launchRedisServer([...plainServerArgs(replicaPort), '--replicaof', '127.0.0.1', String(masterPort)]);
  if (replicaPort !== null) await waitForPort(replicaPort);
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${name} ${o.replica ? 1000 : 2000}`,
      `sentinel failover-timeout ${name} 10000`,
      '',
    ].join('\n'),
  );
  const sentinel = launchRedisServer([conf, '--sentinel', '--loglevel', 'warning']);
  await waitForPort(sentinelPort);
  const children = [master, sentinel, ...(replica ? [replica] : [])];
  return {
    target: { mode: 'sentinel', sentinels: [{ host: '127.0.0.1', port: sentinelPort }], name },
    masterPort,
    sentinelPort,
    replicaPort,
    killMaster() {
      master.kill('SIGKILL');
    },
    async stop() {
      await Promise.all(
        children.map(async (c) => {
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
