import type { MigrationInterface, QueryRunner } from 'typeorm';
import { decideClaimSql } from './1764400000000-review-round-trips.js';

/** decide_claim writes the decision's queue itself, sparing the per-row lookup of decisions_fill_queue. */
export class DecisionsCarryQueue1764900000000 implements MigrationInterface {
  name = 'DecisionsCarryQueue1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(decideClaimSql(true));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(decideClaimSql(false));
  }
}
