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
  /** Of those, the milliseconds spent in the kernel (system time): system calls, loopback TCP among them. */
  kernelMs: Record<string, number>;
  wallMs: number;
}

interface Ticks {
  ticks: number;
  kernelTicks: number;
}

interface Stat extends Ticks {
  comm: string;
  ppid: number;
}

/** A process's name, parent and CPU ticks (user + system, and system alone), from /proc/<pid>/stat. */
async function statOf(pid: number): Promise<Stat | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), counted from the closing parenthesis.
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    return {
      comm: stat.slice(stat.indexOf('(') + 1, close),
      ppid: Number(fields[1]),
      ticks: Number(fields[11]) + Number(fields[12]),
      kernelTicks: Number(fields[12]),
    };
  } catch {
    return null;
  }
}

type Snapshot = Map<number, Ticks & { group: string }>;

/**
 * Looks at the machine's processes: Postgres and Redis by name, the API's own children (its workers with
 * API_PROCESSES > 1), the bench and the API. A process is classified once, when first seen; later samples
 * read only the processes counted and the ones new since, so sampling costs the bench (whose CPU is
 * counted too) a few dozen small reads rather than one per process on the machine.
 */
class Sampler {
  private readonly groupOf = new Map<number, string | null>();

  constructor(private readonly groups: CpuGroups) {
    this.groupOf.set(process.pid, 'bench');
    if (groups.api) this.groupOf.set(groups.api, 'api');
  }

  private classify(pid: number, stat: Stat): string | null {
    if (stat.comm === 'postgres') return 'postgres';
    if (stat.comm === 'redis-server') return 'redis';
    if (this.groups.api !== undefined && stat.ppid === this.groups.api) return 'api';
    return null;
  }

  async snapshot(): Promise<Snapshot> {
    const seen: Snapshot = new Map();
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      const known = this.groupOf.get(pid);
      if (known === null) continue;
      const stat = await statOf(pid);
      if (!stat) continue;
      const group = known ?? this.classify(pid, stat);
      this.groupOf.set(pid, group);
      if (group) seen.set(pid, { group, ticks: stat.ticks, kernelTicks: stat.kernelTicks });
    }
    return seen;
  }
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
  const sampler = new Sampler(groups);
  const before = await sampler.snapshot();
  const last: Snapshot = new Map(before);
  let sampling = Promise.resolve();
  const timer = setInterval(() => {
    sampling = sampling.then(async () => {
      for (const [pid, seen] of await sampler.snapshot()) last.set(pid, seen);
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
  for (const [pid, seen] of await sampler.snapshot()) last.set(pid, seen);
  const ms: Record<string, number> = {};
  const kernelMs: Record<string, number> = {};
  for (const [pid, { group, ticks, kernelTicks }] of last) {
    const then = before.get(pid);
    ms[group] = (ms[group] ?? 0) + (ticks - (then?.ticks ?? 0)) * TICK_MS;
    kernelMs[group] = (kernelMs[group] ?? 0) + (kernelTicks - (then?.kernelTicks ?? 0)) * TICK_MS;
  }
  return { result, cpu: { ms, kernelMs, wallMs } };
}

/**
 * "api 2.100 ms (41% kernel), postgres 1.350 ms (...), ..." per unit of work, and the cores in use on
 * average.
 */
export function formatCpu(cpu: CpuShare, units: number, unit: string): string {
  const order = ['api', 'postgres', 'redis', 'bench'];
  const parts = order
    .filter((group) => group in cpu.ms)
    .map((group) => {
      const ms = cpu.ms[group]!;
      const kernel = ms > 0 ? Math.round((100 * (cpu.kernelMs[group] ?? 0)) / ms) : 0;
      return `${group} ${(ms / units).toFixed(3)} ms (${kernel}% kernel)`;
    });
  const total = Object.values(cpu.ms).reduce((a, b) => a + b, 0);
  return `CPU per ${unit}: ${parts.join(', ')} (total ${(total / units).toFixed(3)} ms; ${(total / cpu.wallMs).toFixed(2)} cores busy)`;
}
