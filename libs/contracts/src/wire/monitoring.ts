import type { ModelRef } from './items.js';

/** A Wilson 95% interval, `[lo, hi]`. */
export type Interval = [number, number];

export const BUCKETS = ['hour', 'day'] as const;
export type Bucket = (typeof BUCKETS)[number];

export interface DriftSummary {
  state: 'ok' | 'alert';
  /** The CUSUM statistic now (0 until the baseline is complete). */
  statistic: number;
  /** The decision interval h the statistic is held against; null until the baseline is complete. */
  threshold: number | null;
  /** p0: the version's usual override rate (its first 300 human decisions, then those judged in control). */
  baselineRate: number | null;
  /** Human decisions p0 is measured over: 0 until there are 300, then up to 2,000 as the baseline learns. */
  baselineDecisions: number;
  /** Human decisions the detector has seen (all time). */
  observed: number;
  openAlertId?: string;
}

/** One model version of one queue (`GET /api/v1/monitoring/models`). */
export interface ModelSummary {
  queue: string;
  model: ModelRef;
  decisions: number;
  approved: number;
  corrected: number;
  rejected: number;
  overrideRate: number | null;
  overrideInterval: Interval;
  autoApproved: number;
  qaSampled: number;
  qaOverrideRate: number | null;
  ece: number | null;
  brier: number | null;
  drift: DriftSummary;
  firstSeenAt: string | null;
  lastDecidedAt: string | null;
}

export interface ModelList {
  models: ModelSummary[];
}

export interface SeriesPoint {
  start: string;
  decisions: number;
  overrides: number;
  overrideRate: number;
  overrideInterval: Interval;
}

export interface FieldEdits {
  /** A JSON Pointer, array indexes as `*`. */
  path: string;
  edits: number;
  present: number;
  editRate: number;
}

export interface ReliabilityBin {
  lo: number;
  hi: number;
  count: number;
  meanConfidence: number;
  acceptRate: number;
}

export interface Calibration {
  bins: ReliabilityBin[];
  ece: number | null;
  brier: number | null;
}

export interface CurvePoint {
  threshold: number;
  /** Share of the human-decided outputs at or above the threshold. */
  coverage: number;
  overrideRate: number;
  /** One-sided Clopper–Pearson 95% upper bound of that override rate. */
  upperBound: number;
}

export interface ThresholdAdvice {
  targetOverrideRate: number;
  /** Null when the history cannot support any threshold. */
  suggested: number | null;
  coverage: number | null;
  upperBound: number | null;
  curve: CurvePoint[];
}

/** `GET /api/v1/monitoring/models/:queue/:name/:version`. */
export interface ModelDetail {
  model: ModelSummary;
  series: SeriesPoint[];
  fields: FieldEdits[];
  calibration: Calibration;
  /** `current`: the queue's autoApproveAbove now. */
  threshold: ThresholdAdvice & { current: number | null };
}

export const ALERT_STATES = ['open', 'acknowledged'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** A drift alert as `GET /api/v1/monitoring/alerts` shows it. */
export interface DriftAlert {
  id: string;
  queue: string;
  model: ModelRef;
  kind: 'override_drift';
  state: AlertState;
  openedAt: string;
  /** The version's usual override rate when the alert opened (the detector's p0). */
  baselineRate: number;
  /** The override rate since the detector's estimate of the change point. */
  observedRate: number;
  /** Human decisions since that change point. */
  decisionsSinceChange: number;
  /** The CUSUM statistic when the alarm was raised, and the decision interval h it crossed. */
  statistic: number;
  threshold: number;
  acknowledgedBy?: string;
  acknowledgedByEmail?: string;
  acknowledgedAt?: string;
  comment?: string;
}

export interface AlertList {
  alerts: DriftAlert[];
}

export interface Agreement {
  pairs: number;
  /** Observed agreement p_o, a proportion in [0, 1]; null without pairs. */
  percent: number | null;
  /** Cohen's kappa; null without pairs, or when chance agreement is total (p_e = 1) and kappa is 0/0. */
  kappa: number | null;
  /** Gwet's AC1 over the three verdicts; null without pairs. */
  ac1: number | null;
}

export interface GoldScore {
  scored: number;
  correct: number;
  /** correct / scored, once at least 5 gold items are scored; null before. */
  accuracy: number | null;
  /** The Wilson 95% interval's lower end of that accuracy; null before 5. */
  lowerBound: number | null;
}

/** One reviewer (`GET /api/v1/monitoring/reviewers`). */
export interface ReviewerStats {
  reviewer: { id: string; email: string };
  /** Human decisions: approve + correct + reject. */
  decisions: number;
  verdicts: { approve: number; correct: number; reject: number; escalate: number };
  medianDurationMs: number | null;
  p90DurationMs: number | null;
  gold: GoldScore;
  agreement: Agreement;
}

export interface ReviewerList {
  reviewers: ReviewerStats[];
}
