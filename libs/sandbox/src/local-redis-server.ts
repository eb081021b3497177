import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';

/**
 * Starting a local redis-server of one's own (tests' own Redis, Sentinel and Cluster; bench:orders --redis-cluster):
 * one launcher and one port wait for all of them. Nest-free: '@app/sandbox/local-redis-server'.
 */
export const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? 'redis-server';

/** in-memory, `noeviction` like production, on loopback */
export function plainServerArgs(port: number): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--loglevel', 'warning'];
}

/** spawns redis-server with `args`; the child never outlives this process (a frozen orphan included) */
export function launchRedisServer(args: string[]): ChildProcess {
  const child = spawn(REDIS_SERVER, args, { stdio: 'ignore' });
  child.on('error', () => undefined);
  const reap = (): void => void child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.removeListener('exit', reap));
  return child;
}

/** resolves once something accepts connections on 127.0.0.1:`port` */
export async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
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
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
