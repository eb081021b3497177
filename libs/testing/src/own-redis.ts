import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';

/**
 * A redis-server of a test's own, on a loopback port the test chooses (its helper range), for faults that
 * must never touch the shared Redis: freeze (SIGSTOP), thaw (SIGCONT), restart. In-memory only (no RDB/AOF),
 * `noeviction` like production. Nest-free: '@app/testing/own-redis'.
 */
export interface OwnRedis {
  url: string;
  port: number;
  /** SIGSTOP: the port stays open and connections stay up, nothing is answered */
  freeze(): void;
  thaw(): void;
  /** stops the server (SIGTERM, waits for it to exit) and starts a fresh, empty one on the same port */
  restart(downMs?: number): Promise<void>;
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
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function launch(port: number): ChildProcess {
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--loglevel', 'warning'],
    { stdio: 'ignore' },
  );
  child.on('error', () => undefined);
  // never outlives the test process (a frozen orphan included)
  const reap = (): void => void child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.removeListener('exit', reap));
  return child;
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGCONT'); // a frozen server cannot act on SIGTERM
  child.kill('SIGTERM');
  await exited;
}

export async function startOwnRedis(port: number): Promise<OwnRedis> {
  let child = launch(port);
  await waitForPort(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    freeze: () => child.kill('SIGSTOP'),
    thaw: () => child.kill('SIGCONT'),
    async restart(downMs = 500) {
      await terminate(child);
      await new Promise((r) => setTimeout(r, downMs));
      child = launch(port);
      await waitForPort(port);
    },
    stop: () => terminate(child),
  };
}
