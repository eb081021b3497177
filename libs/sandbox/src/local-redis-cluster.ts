import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisTarget } from '@app/contracts';
import { launchRedisServer, plainServerArgs, waitForPort } from './local-redis-server';

/**
 * A real local Redis Cluster (issue 12 item 1), for tests (libs/testing own-redis-cluster, which adds their port
 * ranges) and benches (bench:orders --redis-cluster): `masters` masters with one replica each on
 * consecutive loopback ports from `basePort` (the caller's helper range), built with
 * `redis-cli --cluster create --cluster-replicas 1`. In-memory, `noeviction`, own temp dir for nodes.conf.
 * Nest-free: '@app/sandbox/local-redis-cluster'.
 */
export interface OwnRedisCluster {
  /** host:port of every node, for REDIS_CLUSTER_NODES */
  nodes: string[];
  ports: number[];
  /** the cluster as configuration names it (REDIS_CLUSTER_NODES) */
  target: Extract<RedisTarget, { mode: 'cluster' }>;
  /** port → role now (from CLUSTER NODES on a live node), and each replica's master */
  topology(): { masters: number[]; replicas: { port: number; masterPort: number }[] };
  /**
   * `redis-cli -p <replica> cluster failover` (a manual, coordinated failover: the replica catches up, then
   * takes over the master's slots), then waits until the replica is a master and every live node says
   * cluster_state:ok. Resolves with the time that took.
   */
  failover(replicaPort: number, timeoutMs?: number): Promise<number>;
  /** SIGKILLs the node on `port` */
  kill(port: number): void;
  stop(): Promise<void>;
}


const REDIS_CLI = process.env.REDIS_CLI_BIN ?? 'redis-cli';


/**
 * The node's cluster bus port: Redis's default (port + 10000) lands in Linux's ephemeral range (32768-60999) for
 * our 26xxx ports, where any outgoing connection may already hold it ("Failed listening on port 36002 (cluster),
 * aborting"); port - 10000 stays below that range.
 */
function busPort(port: number): number {
  if (port < 11024) throw new Error(`cluster node port ${port}: must be at least 11024 (its bus port is port - 10000)`);
  return port - 10000;
}

export async function startOwnRedisCluster(basePort: number, masters = 3): Promise<OwnRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'own-redis-cluster-'));
  const ports = Array.from({ length: masters * 2 }, (_, i) => basePort + i);
  const children = new Map<number, ChildProcess>();
  for (const port of ports) {
    const child = launchRedisServer([
      ...plainServerArgs(port),
      '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000', '--dir', dir,
      '--cluster-port', String(busPort(port)),
    ]);
    children.set(port, child);
  }
  // a cluster that fails to come up leaves no node behind (its ports would refuse the next try)
  const nodes = ports.map((p) => `127.0.0.1:${p}`);
  try {
    await Promise.all(ports.map((p) => waitForPort(p, 10_000)));
    const created = spawnSync(REDIS_CLI, ['--cluster', 'create', ...nodes, '--cluster-replicas', '1', '--cluster-yes'], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stderr || created.stdout}`);
    // wait until every node reports cluster_state:ok AND knows every master and replica: cluster_state:ok
    // comes before the gossip has told each node of every replica, and a client that reads CLUSTER SLOTS
    // from a node in that window gets a partial map (and a "Connection is closed" when it reconnects)
    const deadline = Date.now() + 20_000;
    for (const port of ports) {
      for (;;) {
        const info = spawnSync(REDIS_CLI, ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8' }).stdout ?? '';
        const known = spawnSync(REDIS_CLI, ['-p', String(port), 'cluster', 'nodes'], { encoding: 'utf8' }).stdout ?? '';
        const lines = known.split('\n').filter((l) => l.trim() && !l.includes('handshake') && !l.includes('noaddr'));
        const nMasters = lines.filter((l) => / master /.test(l) || /myself,master/.test(l)).length;
        const nReplicas = lines.filter((l) => / slave /.test(l) || /myself,slave/.test(l)).length;
        if (info.includes('cluster_state:ok') && nMasters === masters && nReplicas === masters) break;
        if (Date.now() > deadline) throw new Error(`cluster node ${port} not settled: ${info}\n${known}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (e) {
    for (const child of children.values()) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const cli = (port: number, ...args: string[]): string => spawnSync(REDIS_CLI, ['-p', String(port), ...args], { encoding: 'utf8', timeout: 3000 }).stdout ?? '';
  const alive = (): number[] => ports.filter((p) => {
    const c = children.get(p);
    return !!c && c.exitCode === null && c.signalCode === null;
  });
  const topology = () => {
    const lines = cli(alive()[0], 'cluster', 'nodes').split('\n').filter((l) => l.trim() && !l.includes('fail'));
    const byId = new Map(lines.map((l) => {
      const [id, addr] = l.split(' ');
      return [id, Number(addr.split('@')[0].split(':')[1])] as const;
    }));
    const masters: number[] = [];
    const replicas: { port: number; masterPort: number }[] = [];
    for (const l of lines) {
      const [id, , flags, masterId] = l.split(' ');
      const port = byId.get(id) as number;
      if (flags.includes('master')) masters.push(port);
      else if (flags.includes('slave')) replicas.push({ port, masterPort: byId.get(masterId) ?? -1 });
    }
    return { masters: masters.sort(), replicas };
  };
  return {
    nodes,
    ports,
    target: { mode: 'cluster', nodes: ports.map((port) => ({ host: '127.0.0.1', port })) },
    topology,
    async failover(replicaPort, timeoutMs = 15_000) {
      const t0 = Date.now();
      const reply = cli(replicaPort, 'cluster', 'failover').trim();
      if (reply !== 'OK') throw new Error(`cluster failover on ${replicaPort}: ${reply}`);
      for (;;) {
        const me = cli(replicaPort, 'cluster', 'nodes').split('\n').find((l) => l.includes('myself')) ?? '';
        const ok = alive().every((p) => cli(p, 'cluster', 'info').includes('cluster_state:ok'));
        if (/myself,master/.test(me) && ok) return Date.now() - t0;
        if (Date.now() - t0 > timeoutMs) throw new Error(`failover to ${replicaPort} not done within ${timeoutMs} ms: ${me}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    kill: (port) => void children.get(port)?.kill('SIGKILL'),
    async stop() {
      await Promise.all(
        [...children.values()].map(async (c) => {
          if (c.exitCode !== null || c.signalCode !== null) return;
          const exited = new Promise<void>((r) => c.once('exit', () => r()));
          c.kill('SIGCONT');
          c.kill('SIGTERM');
          await exited;
        }),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
