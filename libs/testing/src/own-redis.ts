import type { ChildProcess } from 'node:child_process';
import { launchRedisServer, plainServerArgs, waitForPort } from '@app/sandbox/local-redis-server';

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



function launch(port: number): ChildProcess {
  return launchRedisServer(plainServerArgs(port));
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
