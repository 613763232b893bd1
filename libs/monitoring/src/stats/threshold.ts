import type { CurvePoint, ThresholdAdvice } from '@arbiter/contracts';
import { type ConfidenceBin, FINE_BINS, mergeBins } from './calibration.js';
import { clopperPearsonUpper } from './interval.js';

/**
 * The lowest auto-approval threshold whose override rate among outputs at or above it is, with 95%
 * confidence, at most the target. Candidates 0.99, 0.98, … 0.00 are tested in that fixed order and the walk
 * stops at the first failure, so the 5% error is spent once however many candidates pass (fixed-sequence
 * testing). Candidates with fewer than `minItems` outputs are skipped, not failed: which those are depends on
 * the confidences alone, never on the verdicts, so skipping them does not bend the guarantee.
 */
export function thresholdAdvice(
  bins: ConfidenceBin[],
  targetOverrideRate: number,
  minItems = 50,
): ThresholdAdvice {
  const fine = mergeBins(bins);
  const total = fine.reduce((n, b) => n + b.count, 0);
  const curve: CurvePoint[] = [];
  const advice: ThresholdAdvice = {
    targetOverrideRate,
    suggested: null,
    coverage: null,
    upperBound: null,
    curve,
  };
  let testing = true;
  for (let step = 99; step >= 0; step--) {
    const threshold = step / 100;
    const from = Math.round(threshold * FINE_BINS);
    let n = 0;
    let accepted = 0;
    for (const b of fine) {
      if (b.bin < from) continue;
      n += b.count;
      accepted += b.accepted;
    }
    if (n === 0) continue;
    const overrides = n - accepted;
    const point = {
      threshold,
      coverage: n / total,
      overrideRate: overrides / n,
      upperBound: clopperPearsonUpper(overrides, n),
    };
    curve.push(point);
    if (!testing || n < minItems) continue;
    if (point.upperBound > targetOverrideRate) {
      testing = false;
      continue;
    }
    advice.suggested = threshold;
    advice.coverage = point.coverage;
    advice.upperBound = point.upperBound;
  }
  return advice;
}
