import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Child } from './processes.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Share of wall time the main thread was busy (not idle). */
  busyPct: number;
  /** Self time by area (a package, node internals, GC), as % of busy time. */
  areas: { area: string; pct: number }[];
  /** Functions with the most self time, as % of busy time. */
  functions: { fn: string; pct: number }[];
}

/** Which package (or engine bucket) a frame belongs to. */
function areaOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return 'V8/native (program)';
    return functionName ? `native: ${functionName}` : 'native';
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const m = /\/(apps\/[^/]+|libs\/[^/]+)\//.exec(url);
  return m ? `arbiter ${m[1]}` : url.replace(/^file:\/\//, '');
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  const m = /\/((?:apps|libs)\/.*)$/.exec(url);
  return m ? m[1]! : url.replace(/^file:\/\//, '');
}

/** Self time per function and per area from a V8 .cpuprofile. */
export async function summariseProfile(file: string, top = 15): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // A sample's delta is the time since the previous one; attribute the next delta to this sample.
    const dt = deltas[i + 1] ?? 0;
    self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + dt);
  }
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    total += us;
    const area = areaOf(node.callFrame);
    if (area === 'idle') {
      idle += us;
      continue;
    }
    areas.set(area, (areas.get(area) ?? 0) + us);
    const { functionName, url, lineNumber } = node.callFrame;
    const fn = url
      ? `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`
      : functionName || '(native)';
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const busy = total - idle || 1;
  const rank = (m: Map<string, number>, key: 'area' | 'fn') =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ [key]: name, pct: Math.round((us / busy) * 1000) / 10 }));
  return {
    file,
    totalMs: Math.round(total / 1000),
    busyPct: Math.round(((total - idle) / (total || 1)) * 1000) / 10,
    areas: rank(areas, 'area') as ProfileSummary['areas'],
    functions: rank(functions, 'fn') as ProfileSummary['functions'],
  };
}

export function formatProfile(label: string, s: ProfileSummary): string {
  const lines = [
    `CPU profile of the API during "${label}": main thread busy ${s.busyPct}% of ${s.totalMs} ms (${s.file})`,
    '  self time by area (% of busy):',
    ...s.areas.map((a) => `    ${a.pct.toFixed(1).padStart(5)}%  ${a.area}`),
    '  top functions by self time (% of busy):',
    ...s.functions.map((f) => `    ${f.pct.toFixed(1).padStart(5)}%  ${f.fn}`),
  ];
  return lines.join('\n');
}

/**
 * Runs `work` with the API's V8 profiler on (the API must run under support/profiled-api with IPC), writes the
 * profile to `file` and returns its summary beside the work's result.
 */
export async function profileAround<T>(
  api: Child,
  file: string,
  work: () => Promise<T>,
): Promise<{ result: T; profile: ProfileSummary }> {
  await ipc(api, { cmd: 'start' });
  const result = await work();
  await mkdir(dirname(file), { recursive: true });
  await ipc(api, { cmd: 'stop', file });
  return { result, profile: await summariseProfile(file) };
}

/** Sends one command to the profiling wrapper and waits for its answer. */
function ipc(child: Child, message: { cmd: 'start' | 'stop'; file?: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: { ok: boolean; error?: string }) => {
      child.process.off('message', onMessage);
      if (reply.ok) resolve();
      else reject(new Error(`profiler: ${reply.error}`));
    };
    child.process.on('message', onMessage);
    child.process.send(message);
  });
}
