import { Database } from '@arbiter/database';
import { Injectable } from '@nestjs/common';
import type { VerdictCategory } from './stats/index.js';

/** Decisions and escalations made in [from, to), in one queue or all. */
export interface ReviewerRange {
  queueId?: string;
  from?: string;
  to?: string;
}

export interface ReviewerActivity {
  id: string;
  email: string;
  approve: number;
  correct: number;
  reject: number;
  escalate: number;
  medianDurationMs: number | null;
  p90DurationMs: number | null;
}

/** Gold items a reviewer decided or escalated in the range, and how many of those they got right. */
export interface GoldTally {
  reviewerId: string;
  scored: number;
  correct: number;
}

/** Two reviews of one item in one round, attributed to the range by the later one. */
export interface ReviewPair {
  first: { reviewerId: string; verdict: VerdictCategory };
  second: { reviewerId: string; verdict: VerdictCategory };
}

const IN_RANGE = (column: string) => `
  ($1::uuid IS NULL OR ${column.replace(/\.\w+$/, '.queue_id')} = $1)
  AND ($2::timestamptz IS NULL OR ${column} >= $2) AND ($3::timestamptz IS NULL OR ${column} < $3)`;

/**
 * Per reviewer: verdict counts and decision times (claim to decision) over human decisions, and
 * escalations from the claims a reviewer ended by escalating.
 */
const ACTIVITY = `
  WITH made AS (
    SELECT d.reviewer_id, count(*) FILTER (WHERE d.verdict = 'approve') AS approve,
           count(*) FILTER (WHERE d.verdict = 'correct') AS correct,
           count(*) FILTER (WHERE d.verdict = 'reject') AS reject,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY d.duration_ms) AS median,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY d.duration_ms) AS p90
      FROM decisions d
     WHERE d.reviewer_id IS NOT NULL AND d.verdict IN ('approve', 'correct', 'reject') AND ${IN_RANGE('d.decided_at')}
     GROUP BY d.reviewer_id
  ), escalated AS (
    SELECT c.reviewer_id, count(*) AS escalate FROM claims c
     WHERE c.status = 'escalated' AND ${IN_RANGE('c.ended_at')}
     GROUP BY c.reviewer_id
  )
  SELECT u.id, u.email, coalesce(m.approve, 0)::int AS approve, coalesce(m.correct, 0)::int AS correct,
         coalesce(m.reject, 0)::int AS reject, coalesce(e.escalate, 0)::int AS escalate,
         m.median, m.p90
    FROM made m FULL JOIN escalated e ON e.reviewer_id = m.reviewer_id
    JOIN users u ON u.id = coalesce(m.reviewer_id, e.reviewer_id)
   ORDER BY u.email`;

/**
 * The two reviews of each round on a queue that requires two: a queue's decisions on one item in order,
 * taken two by two (an escalation between them does not break a round; an item requeued after its round
 * ended starts a new one). An adjudication happens in another queue, or by an admin, so it never pairs with
 * them.
 */
const PAIRS = `
  WITH ordered AS (
    SELECT d.item_id, d.queue_id, d.reviewer_id, d.verdict, d.decided_at,
           row_number() OVER (PARTITION BY d.item_id, d.queue_id ORDER BY d.decided_at, d.id) AS n,
           lag(d.reviewer_id) OVER (PARTITION BY d.item_id, d.queue_id ORDER BY d.decided_at, d.id) AS prev_reviewer,
           lag(d.verdict) OVER (PARTITION BY d.item_id, d.queue_id ORDER BY d.decided_at, d.id) AS prev_verdict
      FROM decisions d JOIN queues q ON q.id = d.queue_id
     WHERE q.reviews_required = 2 AND d.reviewer_id IS NOT NULL AND d.verdict IN ('approve', 'correct', 'reject')
       AND ($1::uuid IS NULL OR d.queue_id = $1)
  )
  SELECT o.prev_reviewer AS first_reviewer, o.prev_verdict AS first_verdict,
         o.reviewer_id AS second_reviewer, o.verdict AS second_verdict
    FROM ordered o
   WHERE o.n % 2 = 0 AND o.prev_reviewer <> o.reviewer_id
     AND ($2::timestamptz IS NULL OR o.decided_at >= $2) AND ($3::timestamptz IS NULL OR o.decided_at < $3)`;

/**
 * Every human decision on a gold item is scored: right when its verdict is the expected one and, for a
 * correction, its final output equals the expected output (JSON equality: jsonb compares values, not text).
 * Each review of a two-review item and an adjudicator's decision count alike. An escalation is scored and
 * never right: a gold item has a known answer, so passing it on misses it.
 */
const GOLD = `
  WITH scored AS (
    SELECT d.reviewer_id,
           d.verdict = t.expected_verdict AND (d.verdict <> 'correct' OR d.output = t.expected_output) AS correct
      FROM items i JOIN gold_templates t ON t.id = i.gold_template_id JOIN decisions d ON d.item_id = i.id
     WHERE i.gold_template_id IS NOT NULL AND d.reviewer_id IS NOT NULL AND d.verdict IN ('approve', 'correct', 'reject')
       AND ${IN_RANGE('d.decided_at')}
    UNION ALL
    SELECT c.reviewer_id, false FROM items i JOIN claims c ON c.item_id = i.id
     WHERE i.gold_template_id IS NOT NULL AND c.status = 'escalated' AND ${IN_RANGE('c.ended_at')}
  )
  SELECT reviewer_id, count(*)::int AS scored, count(*) FILTER (WHERE correct)::int AS correct
    FROM scored GROUP BY reviewer_id`;

@Injectable()
export class ReviewerQualityRepository {
  constructor(private readonly db: Database) {}

  async activity(range: ReviewerRange): Promise<ReviewerActivity[]> {
    const rows = await this.db.query<{
      id: string;
      email: string;
      approve: number;
      correct: number;
      reject: number;
      escalate: number;
      median: number | null;
      p90: number | null;
    }>(ACTIVITY, paramsOf(range));
    return rows.map((r) => ({
      id: r.id,
      email: r.email,
      approve: r.approve,
      correct: r.correct,
      reject: r.reject,
      escalate: r.escalate,
      medianDurationMs: r.median === null ? null : Math.round(r.median),
      p90DurationMs: r.p90 === null ? null : Math.round(r.p90),
    }));
  }

  async gold(range: ReviewerRange): Promise<GoldTally[]> {
    const rows = await this.db.query<{ reviewer_id: string; scored: number; correct: number }>(
      GOLD,
      paramsOf(range),
    );
    return rows.map((r) => ({ reviewerId: r.reviewer_id, scored: r.scored, correct: r.correct }));
  }

  async pairs(range: ReviewerRange): Promise<ReviewPair[]> {
    const rows = await this.db.query<{
      first_reviewer: string;
      first_verdict: VerdictCategory;
      second_reviewer: string;
      second_verdict: VerdictCategory;
    }>(PAIRS, paramsOf(range));
    return rows.map((r) => ({
      first: { reviewerId: r.first_reviewer, verdict: r.first_verdict },
      second: { reviewerId: r.second_reviewer, verdict: r.second_verdict },
    }));
  }
}

const paramsOf = (range: ReviewerRange) => [range.queueId ?? null, range.from ?? null, range.to ?? null];
