import { type Principal } from '@arbiter/auth';
import { normalizeIsoTime } from '@arbiter/audit';
import type { ReviewerList } from '@arbiter/contracts';
import { QueueService } from '@arbiter/queues';
import { Injectable } from '@nestjs/common';
import type { ListReviewersQueryDto } from './monitoring-query.dto.js';
import { ReviewerQualityRepository } from './reviewer-quality.repository.js';
import { agreement, goldScore, type VerdictCategory } from './stats/index.js';

/** How each reviewer decides: how much, how fast, and how often in agreement with a second reviewer. */
@Injectable()
export class ReviewerQualityService {
  constructor(
    private readonly reviewers: ReviewerQualityRepository,
    private readonly queues: QueueService,
  ) {}

  async list(principal: Principal, query: ListReviewersQueryDto): Promise<ReviewerList> {
    const queueId = query.queue ? (await this.queues.get(principal, query.queue)).id : undefined;
    const range = {
      queueId,
      from: query.from ? (normalizeIsoTime(query.from) ?? undefined) : undefined,
      to: query.to ? (normalizeIsoTime(query.to) ?? undefined) : undefined,
    };
    const [activity, pairs, gold] = await Promise.all([
      this.reviewers.activity(range),
      this.reviewers.pairs(range),
      this.reviewers.gold(range),
    ]);
    const goldOf = new Map(gold.map((g) => [g.reviewerId, g]));
    // Each pair counts for both of its reviewers, each seen from their own side.
    const sides = new Map<string, [VerdictCategory, VerdictCategory][]>();
    for (const { first, second } of pairs) {
      sides.set(first.reviewerId, [...(sides.get(first.reviewerId) ?? []), [first.verdict, second.verdict]]);
      sides.set(second.reviewerId, [
        ...(sides.get(second.reviewerId) ?? []),
        [second.verdict, first.verdict],
      ]);
    }
    const reviewers = activity.map((a) => ({
      reviewer: { id: a.id, email: a.email },
      decisions: a.approve + a.correct + a.reject,
      verdicts: { approve: a.approve, correct: a.correct, reject: a.reject, escalate: a.escalate },
      medianDurationMs: a.medianDurationMs,
      p90DurationMs: a.p90DurationMs,
      gold: goldScore(goldOf.get(a.id)?.scored ?? 0, goldOf.get(a.id)?.correct ?? 0),
      agreement: agreement(sides.get(a.id) ?? []),
    }));
    reviewers.sort((a, b) => b.decisions - a.decisions || a.reviewer.email.localeCompare(b.reviewer.email));
    return { reviewers };
  }
}
