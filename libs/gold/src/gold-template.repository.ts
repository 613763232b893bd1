import type { Actor } from '@arbiter/audit';
import { Database } from '@arbiter/database';
import { Injectable } from '@nestjs/common';
import type { NewGoldTemplate } from './gold-template.js';

/** The templates and one `gold.created` event each, in one statement: all stored with their record, or none. */
const INSERT_TEMPLATES = `
WITH r AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(
    ord int, id uuid, model_name text, model_version text, input jsonb, output jsonb, confidence float8,
    reason text, metadata jsonb, expected_verdict text, expected_output jsonb)
), ins AS (
  INSERT INTO gold_templates (id, queue_id, model_name, model_version, input, output, confidence, reason, metadata,
                              expected_verdict, expected_output, created_by)
  SELECT id, $2, model_name, model_version, input, output, confidence, reason, metadata, expected_verdict,
         expected_output, $3
    FROM r ORDER BY ord
  RETURNING id
)
INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
SELECT $4, $3::text, $5, 'gold.created', 'gold', r.id::text, $2, jsonb_build_object(
         'model', jsonb_build_object('name', r.model_name, 'version', r.model_version), 'confidence', r.confidence,
         'expected', jsonb_strip_nulls(jsonb_build_object('verdict', r.expected_verdict, 'output', r.expected_output)))
  FROM r JOIN ins USING (id) ORDER BY r.ord`;

@Injectable()
export class GoldTemplateRepository {
  constructor(private readonly db: Database) {}

  async insertMany(queueId: string, templates: NewGoldTemplate[], actor: Actor): Promise<void> {
    if (templates.length === 0) return;
    const rows = templates.map((t, ord) => ({
      ord,
      id: t.id,
      model_name: t.modelName,
      model_version: t.modelVersion,
      input: t.input,
      output: t.output,
      confidence: t.confidence,
      reason: t.reason,
      metadata: t.metadata,
      expected_verdict: t.expectedVerdict,
      expected_output: t.expectedOutput ?? null,
    }));
    await this.db.query(INSERT_TEMPLATES, [JSON.stringify(rows), queueId, actor.id, actor.type, actor.name]);
  }
}
