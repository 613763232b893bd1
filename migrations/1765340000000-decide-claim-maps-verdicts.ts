import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * decide_claim no longer takes the item's new status from its caller: it maps the verdict itself
 * (verdict_status). Its file (migrations/functions/decide_claim.sql) creates the new signature; the old one goes.
 */
export class DecideClaimMapsVerdicts1765340000000 implements MigrationInterface {
  name = 'DecideClaimMapsVerdicts1765340000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP FUNCTION decide_claim(text, uuid, text, uuid[], text, text, jsonb, jsonb, text, text)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // The previous code names the status its verdict gives.
    await q.query(`
      CREATE FUNCTION decide_claim(
        p_token text, p_reviewer uuid, p_email text, p_queues uuid[], p_hash text, p_verdict text,
        p_output jsonb, p_patch jsonb, p_comment text, p_status text
      ) RETURNS jsonb LANGUAGE sql AS $$
        SELECT decide_claim(p_token, p_reviewer, p_email, p_queues, p_hash, p_verdict, p_output, p_patch, p_comment)
      $$`);
  }
}
