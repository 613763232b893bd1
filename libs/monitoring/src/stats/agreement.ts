import { type Agreement, type GoldScore, type ReviewVerdict, VERDICTS } from '@arbiter/contracts';
import { wilsonInterval } from './interval.js';

/** The categories two reviewers of one item can agree on: the human verdicts. */
export const VERDICT_CATEGORIES = VERDICTS;
export type VerdictCategory = ReviewVerdict;

/**
 * Agreement of one reviewer (the first of each pair) with whoever reviewed the same item beside them (the
 * second). Kappa's chance term multiplies the two marginals, so when one verdict dominates it nears p_o and
 * kappa collapses even at high agreement; AC1's chance term, Σ π_k(1 − π_k) / (K − 1) with π_k the mean of
 * the two marginals and K = 3 verdicts, stays small then. Gwet, Handbook of Inter-Rater Reliability (2014).
 */
export function agreement(pairs: readonly (readonly [VerdictCategory, VerdictCategory])[]): Agreement {
  const n = pairs.length;
  if (n === 0) return { pairs: 0, percent: null, kappa: null, ac1: null };
  const mine = new Map<VerdictCategory, number>();
  const theirs = new Map<VerdictCategory, number>();
  let agreed = 0;
  for (const [a, b] of pairs) {
    if (a === b) agreed += 1;
    mine.set(a, (mine.get(a) ?? 0) + 1);
    theirs.set(b, (theirs.get(b) ?? 0) + 1);
  }
  const po = agreed / n;
  let peKappa = 0;
  let spread = 0;
  for (const k of VERDICT_CATEGORIES) {
    const pa = (mine.get(k) ?? 0) / n;
    const pb = (theirs.get(k) ?? 0) / n;
    peKappa += pa * pb;
    const pi = (pa + pb) / 2;
    spread += pi * (1 - pi);
  }
  const peAc1 = spread / (VERDICT_CATEGORIES.length - 1);
  return {
    pairs: n,
    percent: po,
    kappa: peKappa >= 1 ? null : (po - peKappa) / (1 - peKappa),
    ac1: (po - peAc1) / (1 - peAc1),
  };
}

/** Below this many scored gold items an accuracy says more about luck than about the reviewer. */
export const GOLD_MINIMUM = 5;

export function goldScore(scored: number, correct: number): GoldScore {
  if (scored < GOLD_MINIMUM) return { scored, correct, accuracy: null, lowerBound: null };
  return { scored, correct, accuracy: correct / scored, lowerBound: wilsonInterval(correct, scored)[0] };
}
