import type { Calibration, ReliabilityBin } from '@arbiter/contracts';

export const FINE_BINS = 1000;

/** The fine bin of a confidence: 0.970 is bin 970 exactly, 1 falls in the last bin. */
export function fineBinOf(confidence: number): number {
  return Math.min(FINE_BINS - 1, Math.max(0, Math.floor(confidence * FINE_BINS + 1e-9)));
}

/** Human decisions of one fine confidence bin: how many, how many accepted (approved), and sums. */
export interface ConfidenceBin {
  bin: number;
  count: number;
  accepted: number;
  confidenceSum: number;
  /** Σ (confidence − accepted)², accepted being 1 or 0. */
  brierSum: number;
}

/** Fine bins merged by bin number, ascending. */
export function mergeBins(bins: ConfidenceBin[]): ConfidenceBin[] {
  const merged = new Map<number, ConfidenceBin>();
  for (const b of bins) {
    const m = merged.get(b.bin);
    if (!m) merged.set(b.bin, { ...b });
    else {
      m.count += b.count;
      m.accepted += b.accepted;
      m.confidenceSum += b.confidenceSum;
      m.brierSum += b.brierSum;
    }
  }
  return [...merged.values()].filter((b) => b.count > 0).sort((a, b) => a.bin - b.bin);
}

/**
 * Reliability bins of (as near as fine bins allow) equal count, the expected calibration error (the
 * count-weighted gap between mean confidence and acceptance) and the Brier score.
 */
export function calibration(bins: ConfidenceBin[], groups = 10): Calibration {
  const fine = mergeBins(bins);
  const total = fine.reduce((n, b) => n + b.count, 0);
  if (total === 0) return { bins: [], ece: null, brier: null };
  const out: ReliabilityBin[] = [];
  let group: ConfidenceBin[] = [];
  let cumulative = 0;
  const close = () => {
    const count = group.reduce((n, b) => n + b.count, 0);
    out.push({
      lo: group[0]!.bin / FINE_BINS,
      hi: (group.at(-1)!.bin + 1) / FINE_BINS,
      count,
      meanConfidence: group.reduce((s, b) => s + b.confidenceSum, 0) / count,
      acceptRate: group.reduce((s, b) => s + b.accepted, 0) / count,
    });
    group = [];
  };
  for (const b of fine) {
    group.push(b);
    cumulative += b.count;
    if (cumulative >= (total * (out.length + 1)) / groups) close();
  }
  if (group.length > 0) close();
  const ece = out.reduce((s, b) => s + (b.count / total) * Math.abs(b.acceptRate - b.meanConfidence), 0);
  const brier = fine.reduce((s, b) => s + b.brierSum, 0) / total;
  return { bins: out, ece, brier };
}
