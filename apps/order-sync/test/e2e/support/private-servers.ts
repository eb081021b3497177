/**
 * A Redis server and a Postgres cluster of a test's own, on loopback ports it picks, so the test can freeze,
 * stop and start them without touching the shared ones (127.0.0.1:6379 / :5432) other runs use.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** a free loopback port in [from, to] (the range a test was given), tried from a random point in it */
export async function spareLoopbackPort(from: number, to: number): Promise<number> {
  const span = to - from + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = from + ((start + i) % span);
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${from}-${to}`);
}

/** a Redis of the test's own: libs/testing own-redis (freeze / thaw / restart / stop) */
export { startOwnRedis as startPrivateRedis, type OwnRedis as PrivateRedis } from '@app/testing/own-redis';

export interface PrivatePostgres {
  /** superuser URL of its `postgres` database */
  adminUrl: string;
  /** pg_ctl stop -m fast: connections are cut, new ones refused */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** stops it and removes the cluster */
  destroy(): Promise<void>;
}

/** the newest installed server binaries (/usr/lib/postgresql/<version>/bin) */
function pgBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length === 0) throw new Error(`no Postgres server binaries under ${root}`);
  return join(root, versions[0], 'bin');
}

/**
 * initdb + pg_ctl in a temp dir, trust auth for `postgres`, durability off (a throwaway cluster). initdb and the
 * server refuse to run as root: as root they run as the `postgres` system user (runuser), which owns the dir.
 */
export async function startPrivatePostgres(port: number): Promise<PrivatePostgres> {
  const bin = pgBin();
  const dir = mkdtempSync(join(tmpdir(), 'omnisync-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const argv = (tool: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args]);
  const pg = (tool: string, args: string[]) => run(...argv(tool, args));
  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const start = async () => {
    await pg('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', opts, '-w', '-t', '30', 'start']);
  };
  const stop = async () => {
    await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
  };
  await start();
  // never outlives the test process
  const cleanUp = () => {
    try {
      execFileSync(...argv('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']), { stdio: 'ignore' });
    } catch {
      // not running
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanUp);
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop,
    start,
    destroy: async () => {
      process.removeListener('exit', cleanUp);
      await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
