import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

/** Wilson score interval of a proportion, two-sided; [0, 1] when there is nothing to go on. */
export function wilsonInterval(successes: number, n: number, confidence = 0.95): [number, number] {
  if (n <= 0) return [0, 1];
  const z = normalQuantile(1 - (1 - confidence) / 2, 0, 1);
  const p = successes / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** One-sided exact (Clopper–Pearson) upper bound of a proportion with x successes in n. */
export function clopperPearsonUpper(x: number, n: number, confidence = 0.95): number {
  if (n <= 0 || x >= n) return 1;
  return betaQuantile(confidence, x + 1, n - x);
}
