import type { ExportOrder, ExportVerdict } from './decision-export-query.dto.js';

/** Which decisions to export, with every reference already resolved to an id. */
export interface DecisionFilters {
  queueId?: string;
  /** Normalized ISO times (see normalizeIsoTime): decided in [from, to). */
  from?: string;
  to?: string;
  /** A user id; null when the reviewer named does not exist (nothing matches). */
  reviewerId?: string | null;
  verdict?: ExportVerdict;
  /** A model name; with a version, `name` alone matching also counts (a name may contain `@`). */
  model?: { full: string; name?: string; version?: string };
  limit?: number;
  order: ExportOrder;
}

/** Which audit events to export. */
export interface EventFilters {
  from?: string;
  to?: string;
  actions?: string[];
  subject?: string;
  limit?: number;
  order: ExportOrder;
}

/** `name@version` split at the last `@`; a value without one (or with nothing around it) is a name. */
export function parseModelFilter(value: string): NonNullable<DecisionFilters['model']> {
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) return { full: value };
  return { full: value, name: value.slice(0, at), version: value.slice(at + 1) };
}
