import type {
  DriftPolicy,
  JsonSchema,
  JsonValue,
  NewQueue,
  Queue,
  QueueSettings,
  SlaPolicy,
} from '../api/types';
import { jsonEqual } from './json-diff';
import { parseJson, prettyJson } from './json';

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** The queue form as typed: every field a string. */
export interface QueueFormValues {
  slug: string;
  name: string;
  instructions: string;
  outputSchema: string;
  autoApproveAbove: string;
  leaseSeconds: string;
  slaSeconds: string;
  onSlaBreach: SlaPolicy;
  fallbackOutput: string;
  escalateTo: string;
  reviewsRequired: string;
  qaSampleRate: string;
  goldRate: string;
  callbackUrl: string;
  /** 'yes' or ''. */
  allowAdminReview: string;
  driftDelta: string;
  onDrift: DriftPolicy;
  targetOverrideRate: string;
  alertUrl: string;
}

export type QueueFormField = keyof QueueFormValues;

export function queueFormValues(queue: Queue | null): QueueFormValues {
  const text = (n: number | null | undefined) => (n == null ? '' : String(n));
  return {
    slug: queue?.slug ?? '',
    name: queue?.name ?? '',
    instructions: queue?.instructions ?? '',
    outputSchema: queue?.outputSchema ? prettyJson(queue.outputSchema) : '',
    autoApproveAbove: text(queue?.autoApproveAbove),
    leaseSeconds: text(queue?.leaseSeconds ?? 300),
    slaSeconds: text(queue?.slaSeconds),
    onSlaBreach: queue?.onSlaBreach ?? 'keep',
    fallbackOutput: queue?.fallbackOutput == null ? '' : prettyJson(queue.fallbackOutput),
    escalateTo: queue?.escalateTo ?? '',
    reviewsRequired: text(queue?.reviewsRequired ?? 1),
    qaSampleRate: text(queue?.qaSampleRate ?? 0),
    goldRate: text(queue?.goldRate ?? 0),
    callbackUrl: queue?.callbackUrl ?? '',
    allowAdminReview: queue?.allowAdminReview ? 'yes' : '',
    driftDelta: text(queue?.driftDelta ?? 0.1),
    onDrift: queue?.onDrift ?? 'alert',
    targetOverrideRate: text(queue?.targetOverrideRate ?? 0.05),
    alertUrl: queue?.alertUrl ?? '',
  };
}

export type QueueFormResult =
  { ok: true; settings: NewQueue } | { ok: false; problems: Partial<Record<QueueFormField, string>> };

/** Checks what the browser can and builds the request body; the server checks everything again. */
export function readQueueForm(values: QueueFormValues, creating: boolean): QueueFormResult {
  const problems: Partial<Record<QueueFormField, string>> = {};
  const number = (field: QueueFormField, min: number, max: number, integer: boolean): number | null => {
    const raw = values[field].trim();
    if (raw === '') return null;
    const n = Number(raw);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
      problems[field] = `Enter ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}.`;
      return null;
    }
    return n;
  };
  const json = (field: QueueFormField): JsonValue => {
    if (values[field].trim() === '') return null;
    const parsed = parseJson(values[field]);
    if (!parsed.ok) {
      problems[field] = `Not valid JSON: ${parsed.message}`;
      return null;
    }
    return parsed.value;
  };

  const slug = values.slug.trim();
  if (creating && !SLUG_PATTERN.test(slug)) {
    problems.slug = '2–63 lowercase letters, digits and dashes, starting with a letter or digit.';
  }
  const name = values.name.trim();
  if (name === '') problems.name = 'A queue needs a name.';
  const outputSchema = json('outputSchema');
  if (outputSchema !== null && (typeof outputSchema !== 'object' || Array.isArray(outputSchema))) {
    problems.outputSchema = 'A JSON Schema is a JSON object.';
  }
  const leaseSeconds = number('leaseSeconds', 10, 86_400, true);
  if (values.leaseSeconds.trim() === '') problems.leaseSeconds = 'Enter the lease in seconds (10 to 86400).';
  if (values.driftDelta.trim() === '') problems.driftDelta = 'Enter the rise to detect (0.01 to 0.5).';
  if (values.targetOverrideRate.trim() === '') {
    problems.targetOverrideRate = 'Enter the target override rate (0.001 to 0.5).';
  }
  const settings: NewQueue = {
    slug,
    name,
    instructions: values.instructions,
    outputSchema: outputSchema as JsonSchema | null,
    autoApproveAbove: number('autoApproveAbove', 0, 1, false),
    leaseSeconds: leaseSeconds ?? undefined,
    slaSeconds: number('slaSeconds', 1, 30 * 86_400, true),
    onSlaBreach: values.onSlaBreach,
    escalateTo: values.escalateTo || null,
    reviewsRequired: number('reviewsRequired', 1, 2, true) ?? 1,
    qaSampleRate: number('qaSampleRate', 0, 1, false) ?? 0,
    goldRate: number('goldRate', 0, 0.2, false) ?? 0,
    callbackUrl: values.callbackUrl.trim() || null,
    allowAdminReview: values.allowAdminReview === 'yes',
    driftDelta: number('driftDelta', 0.01, 0.5, false) ?? undefined,
    onDrift: values.onDrift,
    targetOverrideRate: number('targetOverrideRate', 0.001, 0.5, false) ?? undefined,
    alertUrl: values.alertUrl.trim() || null,
  };
  const fallback = json('fallbackOutput');
  if (fallback !== null) settings.fallbackOutput = fallback;
  if (values.onSlaBreach === 'fallback' && fallback === null && !problems.fallbackOutput) {
    problems.fallbackOutput = 'The fallback policy needs a fallback output.';
  }
  return Object.keys(problems).length > 0 ? { ok: false, problems } : { ok: true, settings };
}

/** For a new queue: the settings without the empty optional ones. */
export function createBody(settings: NewQueue) {
  return Object.fromEntries(
    Object.entries(settings).filter(
      ([key, value]) => value !== null && value !== undefined && !(key === 'allowAdminReview' && !value),
    ),
  ) as NewQueue;
}

/** For an edit: only what changed (so the audit log says what the admin did); null clears a setting. */
export function changedSettings(queue: Queue, settings: QueueSettings): QueueSettings {
  const changes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (key === 'slug' || value === undefined) continue;
    const before =
      key === 'allowAdminReview'
        ? (queue.allowAdminReview ?? false)
        : ((queue as unknown as Record<string, unknown>)[key] ?? null);
    if (!jsonEqual(before, value ?? null)) changes[key] = value;
  }
  return changes as QueueSettings;
}
