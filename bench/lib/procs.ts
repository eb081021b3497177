/** Process and metrics probes of the benchmarks: CPU per process group, peak RSS, Prometheus deltas. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import axios from 'axios';
import type { System } from '../../scripts/system';
import { round } from './common';

export const CLK_TCK = 100;

export function procStat(pid: number): { cpuS: number } | null {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return { cpuS: (Number(f[11]) + Number(f[12])) / CLK_TCK };
  } catch {
    return null;
  }
}

export function procStatus(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** resets VmHWM to the current RSS (Linux clear_refs "5"), so each phase gets its own peak */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** pid groups whose CPU time a phase reports: our children, this process, our database's backends, Redis */
export function cpuGroups(sys: System, dbName: string): Record<string, number[]> {
  const groups: Record<string, number[]> = { bench: [process.pid], 'postgres(our db)': [], 'postgres(bg)': [], redis: [] };
  for (const p of sys.processes.values()) if (p.child.pid) groups[p.name] = [p.child.pid];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const comm = readFileSync(`/proc/${d}/comm`, 'utf8').trim();
      if (comm.startsWith('redis-server')) groups.redis.push(Number(d));
      else if (comm === 'postgres') {
        const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
        if (cmd.includes(` ${dbName} `)) groups['postgres(our db)'].push(Number(d));
        else if (/checkpointer|background writer|walwriter/.test(cmd)) groups['postgres(bg)'].push(Number(d));
      }
    } catch {
      // the process went away
    }
  }
  return groups;
}

export interface CpuSnap { t: number; byPid: Map<number, number>; groups: Record<string, number[]>; machine: { busy: number; total: number } }
export function machineCpu(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - (f[4] ?? 0), total };
}
export function cpuSnap(sys: System, dbName: string): CpuSnap {
  const groups = cpuGroups(sys, dbName);
  const byPid = new Map<number, number>();
  for (const pids of Object.values(groups)) for (const pid of pids) byPid.set(pid, procStat(pid)?.cpuS ?? 0);
  return { t: Date.now(), byPid, groups, machine: machineCpu() };
}
/** cores used per group between two snapshots (a pid that appears only in b counts from 0) */
export function cpuCores(a: CpuSnap, b: CpuSnap): { cores: Record<string, number>; machineBusyPct: number } {
  const wall = (b.t - a.t) / 1000;
  const cores: Record<string, number> = {};
  for (const [name, pids] of Object.entries(b.groups)) {
    const used = pids.reduce((acc, pid) => acc + Math.max(0, (b.byPid.get(pid) ?? 0) - (a.byPid.get(pid) ?? 0)), 0);
    cores[name] = round(used / wall, 2);
  }
  const machineBusyPct = round((100 * (b.machine.busy - a.machine.busy)) / Math.max(1, b.machine.total - a.machine.total), 1);
  return { cores, machineBusyPct };
}

/** the few Prometheus series the report uses: job durations by queue, upstream calls */
export type Prom = Map<string, number>;
export async function scrape(url: string): Promise<Prom> {
  const out: Prom = new Map();
  try {
    const res = await axios.get<string>(`${url}/metrics`, { timeout: 5000, responseType: 'text', validateStatus: () => true });
    if (res.status !== 200) return out;
    for (const line of String(res.data).split('\n')) {
      if (!/^omnisync_(job_duration_seconds_(sum|count)|upstream_requests_total|jobs_processed_total)\{/.test(line)) continue;
      const i = line.lastIndexOf(' ');
      out.set(line.slice(0, i), Number(line.slice(i + 1)));
    }
  } catch {
    // metrics are a diagnostic; the bench goes on without them
  }
  return out;
}
export function labels(series: string): Record<string, string> {
  const m = /\{(.*)\}/.exec(series);
  const out: Record<string, string> = {};
  for (const kv of (m?.[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)) out[kv[1]] = kv[2];
  return out;
}
/** per queue/job: jobs done in the phase and their mean processing time; upstream calls by method and outcome */
export function promDelta(a: Prom, b: Prom, wallS: number): { jobs: Record<string, { perSec: number; meanMs: number; failedOrRetried: number }>; upstream: Record<string, number> } {
  const jobs: Record<string, { perSec: number; meanMs: number; failedOrRetried: number }> = {};
  const upstream: Record<string, number> = {};
  for (const [k, v] of b) {
    const d = v - (a.get(k) ?? 0);
    if (d === 0) continue;
    const l = labels(k);
    if (k.startsWith('omnisync_job_duration_seconds_count') && l.outcome === 'completed') {
      const sum = (b.get(k.replace('_count', '_sum')) ?? 0) - (a.get(k.replace('_count', '_sum')) ?? 0);
      jobs[`${l.queue}/${l.job}`] = { ...(jobs[`${l.queue}/${l.job}`] ?? { failedOrRetried: 0 }), perSec: round(d / wallS, 1), meanMs: round((1000 * sum) / d, 1) };
    } else if (k.startsWith('omnisync_jobs_processed_total') && l.outcome !== 'completed') {
      const key = `${l.queue}/${l.job}`;
      const prev = jobs[key] ?? { perSec: 0, meanMs: 0, failedOrRetried: 0 };
      jobs[key] = { ...prev, failedOrRetried: prev.failedOrRetried + d };
    } else if (k.startsWith('omnisync_upstream_requests_total')) {
      upstream[`${l.upstream} ${l.method} ${l.outcome}`] = d;
    }
  }
  return { jobs, upstream };
}

/**
 * The single-leader loops' tick times from an app's /metrics (omnisync_leader_tick_seconds{loop}): per loop the ticks,
 * the mean and the p99 / max as bucket upper bounds (a histogram says no more) — against the loop's interval, the
 * leader's headroom.
 */
export async function leaderTicks(url: string): Promise<Record<string, { ticks: number; meanMs: number; p99LeMs: number | null; maxLeMs: number | null }>> {
  const out: Record<string, { ticks: number; meanMs: number; p99LeMs: number | null; maxLeMs: number | null }> = {};
  let text = '';
  try {
    const res = await axios.get<string>(`${url}/metrics`, { timeout: 5000, responseType: 'text', validateStatus: () => true });
    if (res.status !== 200) return out;
    text = String(res.data);
  } catch {
    return out;
  }
  const buckets = new Map<string, Array<[number, number]>>();
  const sums = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^omnisync_leader_tick_seconds_(bucket|sum|count)\{(.*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const l = labels(`{${m[2]}}`);
    const v = Number(m[3]);
    if (m[1] === 'bucket') buckets.set(l.loop, [...(buckets.get(l.loop) ?? []), [l.le === '+Inf' ? Infinity : Number(l.le), v]]);
    else if (m[1] === 'sum') sums.set(l.loop, v);
    else counts.set(l.loop, v);
  }
  for (const [loop, n] of counts) {
    if (n === 0) continue;
    const b = (buckets.get(loop) ?? []).sort((x, y) => x[0] - y[0]);
    const le = (q: number) => {
      const hit = b.find(([, c]) => c >= q * n);
      return hit && Number.isFinite(hit[0]) ? Math.round(hit[0] * 1000) : null;
    };
    out[loop] = { ticks: n, meanMs: Math.round(((sums.get(loop) ?? 0) / n) * 10000) / 10, p99LeMs: le(0.99), maxLeMs: le(1) };
  }
  return out;
}
