import { applyPatch, deepClone, type Operation } from 'fast-json-patch';
import type { AuditEvent, JsonValue } from '../api/types';

/** One of the two reviews that disagreed, as the adjudicator sees it. */
export interface EarlierReview {
  decisionId: string;
  reviewer: string;
  verdict: string;
  comment: string | null;
  decidedAt: string;
  /** The reviewer's final output; null for a rejection. */
  output: JsonValue;
  /** Set when the recorded patch could not be applied to the AI output (then `output` is null). */
  unreadable?: string;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function outputOf(aiOutput: unknown, patch: unknown): Pick<EarlierReview, 'output' | 'unreadable'> {
  if (patch === null || patch === undefined) return { output: null };
  if (!Array.isArray(patch)) return { output: null, unreadable: 'The recorded patch is not a list.' };
  try {
    // Validated, on a copy: the AI output shown beside it must stay untouched.
    const result = applyPatch(deepClone(aiOutput ?? null), patch as Operation[], true, false);
    return { output: result.newDocument as JsonValue };
  } catch (error) {
    return { output: null, unreadable: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The two reviews whose disagreement sent this item to adjudication, oldest first, or null when the item is
 * not being adjudicated. The server leaves decisions out of the history while an item waits for its second
 * review, so an ordinary second review never finds them; the escalation event is required as well, so a
 * history that does show decisions for another reason shows nothing here.
 */
export function earlierReviews(aiOutput: unknown, history: readonly AuditEvent[]): EarlierReview[] | null {
  const escalation = history.findLast(
    (event) =>
      event.action === 'item.escalated' &&
      event.data['reason'] === 'reviewers_disagree' &&
      Array.isArray(event.data['decisionIds']),
  );
  if (!escalation) return null;
  const ids = escalation.data['decisionIds'] as unknown[];
  const reviews: EarlierReview[] = [];
  for (const id of ids) {
    const decided = history.find(
      (event) =>
        event.action === 'item.decided' && event.seq < escalation.seq && event.data['decisionId'] === id,
    );
    if (!decided || typeof id !== 'string') return null;
    const { data } = decided;
    const verdict = text(data['verdict']) ?? 'unknown';
    reviews.push({
      decisionId: id,
      reviewer: decided.actor.name ?? decided.actor.id ?? 'unknown reviewer',
      verdict,
      comment: text(data['comment']),
      decidedAt: decided.at,
      ...(verdict === 'reject' ? { output: null } : outputOf(aiOutput, data['patch'])),
    });
  }
  return reviews.length === 2 ? reviews : null;
}
