import type { Verdict } from '../api/types';

export const VERDICTS: readonly Verdict[] = ['approve', 'correct', 'reject', 'fallback', 'auto_approve'];

/** The decision-history filter; every field is '' when unset. `from` and `to` are ISO 8601 instants. */
export interface DecisionFilter {
  queue: string;
  from: string;
  to: string;
  reviewer: string;
  verdict: Verdict | '';
  model: string;
}

export const FILTER_KEYS = ['queue', 'from', 'to', 'reviewer', 'verdict', 'model'] as const;

export const EMPTY_FILTER: DecisionFilter = {
  queue: '',
  from: '',
  to: '',
  reviewer: '',
  verdict: '',
  model: '',
};

const isVerdict = (value: string): value is Verdict => (VERDICTS as readonly string[]).includes(value);

/** The filter kept in the address bar (`?verdict=correct&queue=…`), so it survives a reload and can be shared. */
export function parseFilter(search: string): DecisionFilter {
  const params = new URLSearchParams(search);
  const get = (key: string) => params.get(key)?.trim() ?? '';
  const verdict = get('verdict');
  return {
    queue: get('queue'),
    from: get('from'),
    to: get('to'),
    reviewer: get('reviewer'),
    verdict: isVerdict(verdict) ? verdict : '',
    model: get('model'),
  };
}

/** The query string of a filter ('' when nothing is set), without the leading '?'. */
export function filterSearch(filter: DecisionFilter): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) if (filter[key]) params.set(key, filter[key]);
  return params.toString();
}

export function isFiltered(filter: DecisionFilter): boolean {
  return FILTER_KEYS.some((key) => filter[key] !== '');
}

/** The query of GET /api/v1/audit/decisions for a filter. */
export function decisionsQuery(
  filter: DecisionFilter,
  options: { format: 'jsonl' | 'csv'; order: 'asc' | 'desc'; limit?: number },
): string {
  const params = new URLSearchParams({ format: options.format });
  for (const key of FILTER_KEYS) if (filter[key]) params.set(key, filter[key]);
  params.set('order', options.order);
  if (options.limit !== undefined) params.set('limit', String(options.limit));
  return params.toString();
}
