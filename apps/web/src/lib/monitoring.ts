import type { Interval, ModelSummary } from '../api/types';

/** "12.3 %"; "—" for no value. */
export function percent(value: number | null | undefined, digits = 1): string {
  if (value == null || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(digits)} %`;
}

/** "8.1–14.9 %". */
export function intervalText(interval: Interval, digits = 1): string {
  return `${(interval[0] * 100).toFixed(digits)}–${(interval[1] * 100).toFixed(digits)} %`;
}

/** A score such as ECE, Brier or kappa to three places; "—" for no value. */
export function score(value: number | null | undefined, digits = 3): string {
  if (value == null || !Number.isFinite(value)) return '—';
  return value.toFixed(digits);
}

/** An auto-approval threshold as the queue settings show it; "off" when unset. */
export function thresholdText(value: number | null | undefined): string {
  return value == null ? 'off' : value.toFixed(2);
}

export type SortDirection = 'ascending' | 'descending';

export interface Sort<K extends string> {
  key: K;
  direction: SortDirection;
}

/** Nulls last whichever way, so "too few data" never crowds the top of a list. */
export function compareValues(
  a: string | number | null,
  b: string | number | null,
  direction: SortDirection,
): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  const order = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
  return direction === 'ascending' ? order : -order;
}

export type ModelSortKey = 'queue' | 'model' | 'version' | 'decisions' | 'overrideRate' | 'drift';

/** Drift sorts open alerts above every version without one, then by the detector's statistic. */
const ALERT_RANK = 1e9;

export function modelSortValue(model: ModelSummary, key: ModelSortKey): string | number | null {
  switch (key) {
    case 'queue':
      return model.queue;
    case 'model':
      return model.model.name;
    case 'version':
      return model.model.version;
    case 'decisions':
      return model.decisions;
    case 'overrideRate':
      return model.overrideRate;
    case 'drift':
      return (model.drift.openAlertId ? ALERT_RANK : 0) + model.drift.statistic;
  }
}

/** The default: open alerts first (drift, descending). */
export const DEFAULT_MODEL_SORT: Sort<ModelSortKey> = { key: 'drift', direction: 'descending' };

/** Ties fall back to the most overridden, then by name, so the order is stable between reloads. */
export function sortModels(models: readonly ModelSummary[], sort: Sort<ModelSortKey>): ModelSummary[] {
  return [...models].sort(
    (a, b) =>
      compareValues(modelSortValue(a, sort.key), modelSortValue(b, sort.key), sort.direction) ||
      compareValues(a.overrideRate, b.overrideRate, 'descending') ||
      compareValues(a.queue, b.queue, 'ascending') ||
      compareValues(a.model.name, b.model.name, 'ascending') ||
      compareValues(a.model.version, b.model.version, 'ascending'),
  );
}
