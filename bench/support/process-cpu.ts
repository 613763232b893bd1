import { readdir, readFile } from 'node:fs/promises';

/** Linux reports process times in clock ticks; 100 a second on every kernel Node supports here. */
const TICK_MS = 10;

/** Which processes a share of CPU is charged to: the bench itself, the API (with its workers), Postgres and Redis. */
export interface CpuGroups {
  api?: number;
}

export interface CpuShare {
  /** CPU milliseconds (user + system) each group used over the measured work. */
  ms: Record<string, number>;
  wallMs: number;
}

/** A process's parent and its CPU ticks (user + system), from /proc/<pid>/stat. */
async function statOf(pid: number): Promise<{ ppid: number; ticks: number } | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), counted from the closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/** Postgres and Redis processes by name, and the API's own children (its workers with API_PROCESSES > 1). */
async function processesOf(apiPid: number | undefined): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const comm = (await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '')).trim();
    if (comm === 'postgres') found.set(pid, 'postgres');
    else if (comm === 'redis-server') found.set(pid, 'redis');
    else if (apiPid !== undefined && (await statOf(pid))?.ppid === apiPid) found.set(pid, 'api');
  }
  return found;
}

type Snapshot = Map<number, { group: string; ticks: number }>;

async function snapshot(groups: CpuGroups): Promise<Snapshot> {
  const seen: Snapshot = new Map();
  const add = async (group: string, pid: number) => {
    const stat = await statOf(pid);
    if (stat) seen.set(pid, { group, ticks: stat.ticks });
  };
  await add('bench', process.pid);
  if (groups.api) await add('api', groups.api);
  for (const [pid, group] of await processesOf(groups.api)) await add(group, pid);
  return seen;
}

/** How often processes are looked at: a connection's Postgres backend may start and end within the work. */
const SAMPLE_MS = 200;

/**
 * CPU time per process group over `work`, read from /proc (Linux only; elsewhere every group reads 0). A
 * CPU profile of the API counts wall time, so on a machine whose cores are all busy a syscall that wakes
 * Postgres shows as the time the API waited to run again; these are the CPU seconds actually spent. Postgres
 * and Redis are the machine's, so anything else using them at the same time is counted too. A process that
 * starts during the work counts from zero; one that ends counts up to the last sample that saw it.
 */
export async function cpuAround<T>(
  groups: CpuGroups,
  work: () => Promise<T>,
): Promise<{ result: T; cpu: CpuShare }> {
  const before = await snapshot(groups);
  const last: Snapshot = new Map(before);
  let sampling = Promise.resolve();
  const timer = setInterval(() => {
    sampling = sampling.then(async () => {
      for (const [pid, seen] of await snapshot(groups)) last.set(pid, seen);
    });
  }, SAMPLE_MS);
  const started = performance.now();
  let result: T;
  try {
    result = await work();
  } finally {
    clearInterval(timer);
  }
  const wallMs = performance.now() - started;
  await sampling;
  for (const [pid, seen] of await snapshot(groups)) last.set(pid, seen);
  const ms: Record<string, number> = {};
  for (const [pid, { group, ticks }] of last) {
    ms[group] = (ms[group] ?? 0) + (ticks - (before.get(pid)?.ticks ?? 0)) * TICK_MS;
  }
  return { result, cpu: { ms, wallMs } };
}

/** "API 2.10 ms, postgres 1.35 ms, ..." per unit of work, and the cores in use on average. */
export function formatCpu(cpu: CpuShare, units: number, unit: string): string {
  const order = ['api', 'postgres', 'redis', 'bench'];
  const parts = order
    .filter((group) => group in cpu.ms)
    .map((group) => `${group} ${(cpu.ms[group]! / units).toFixed(3)} ms`);
  const total = Object.values(cpu.ms).reduce((a, b) => a + b, 0);
  return `CPU per ${unit}: ${parts.join(', ')} (total ${(total / units).toFixed(3)} ms; ${(total / cpu.wallMs).toFixed(2)} cores busy)`;
}
