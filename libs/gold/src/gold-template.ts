import type { Reason, ReviewVerdict } from '@arbiter/contracts';

/** An admin's gold item: an output with the decision a reviewer should make of it. */
export interface NewGoldTemplate {
  id: string;
  modelName: string;
  modelVersion: string;
  input: unknown;
  output: unknown;
  confidence: number | null;
  reason: Reason | null;
  metadata: Record<string, unknown>;
  expectedVerdict: ReviewVerdict;
  expectedOutput: unknown;
}
