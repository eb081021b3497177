import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import type { RedisTarget } from '@app/contracts';

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

const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? 'redis-server';

async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} not open within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function launch(args: string[]): ChildProcess {
  const child = spawn(REDIS_SERVER, args, { stdio: 'ignore' });
  child.on('error', () => undefined);
  const reap = (): void => void child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.removeListener('exit', reap));
  return child;
}

export async function startOwnRedisSentinel(basePort: number, name = 'omnisync-test'): Promise<OwnRedisSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'own-redis-sentinel-'));
  const masterPort = basePort;
  const sentinelPort = basePort + 1;
  const master = launch(['--port', String(masterPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--loglevel', 'warning']);
  await waitForPort(masterPort);
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(conf, [`port ${sentinelPort}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`, `sentinel down-after-milliseconds ${name} 2000`, ''].join('\n'));
  const sentinel = launch([conf, '--sentinel', '--loglevel', 'warning']);
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
