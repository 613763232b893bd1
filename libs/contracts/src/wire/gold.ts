import type { Refusal } from './errors.js';

export type GoldEntryResult = { index: number; id: string } | { index: number; error: Refusal };

/** `POST /api/v1/queues/:slug/gold`: one result per entry, in order. */
export interface GoldBatchResult {
  results: GoldEntryResult[];
}
