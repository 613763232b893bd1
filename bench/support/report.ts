export interface Row {
  scenario: string;
  unit: 'req/s' | 'items/s' | 'rows/s';
  throughput: number;
  /** Requests per second when a request carries several items. */
  requestsPerSec?: number;
  p50Ms: number;
  p99Ms: number;
  /** Per request, per INSERT... */
  latencyOf: string;
  non2xx: number;
  errors: number;
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';

export function formatTable(rows: Row[]): string {
  const header = ['scenario', 'throughput', 'p50', 'p99', 'errors'];
  const body = rows.map((r) => [
    r.scenario,
    `${fmt(r.throughput)} ${r.unit}${r.requestsPerSec !== undefined ? ` (${fmt(r.requestsPerSec, 1)} req/s)` : ''}`,
    `${fmt(r.p50Ms, 1)} ms`,
    `${fmt(r.p99Ms, 1)} ms`,
    r.non2xx + r.errors === 0 ? '0' : `${r.non2xx + r.errors} (non-2xx ${r.non2xx}, socket ${r.errors})`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
