import { Ajv, type ErrorObject } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { JsonSchema } from '../api/types';

export interface SchemaProblem {
  /** JSON pointer inside the output ('' is the whole output). */
  pointer: string;
  message: string;
}

export type OutputChecker =
  | { kind: 'none' }
  | { kind: 'ready'; check: (value: unknown) => SchemaProblem[] }
  | { kind: 'unavailable'; reason: string };

const MAX_PROBLEMS = 20;

/** Compiles a queue's output schema like the server does (draft-07, or 2020-12 when `$schema` says so). */
export function compileOutputSchema(schema: JsonSchema | null | undefined): OutputChecker {
  if (!schema) return { kind: 'none' };
  try {
    const draft2020 = typeof schema['$schema'] === 'string' && schema['$schema'].includes('2020-12');
    const ajv = draft2020
      ? new Ajv2020({ strict: false, allErrors: true })
      : new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    return {
      kind: 'ready',
      check: (value) =>
        validate(value) ? [] : (validate.errors ?? []).slice(0, MAX_PROBLEMS).map(toProblem),
    };
  } catch (error) {
    // e.g. a Content-Security-Policy without 'unsafe-eval': the server still validates on submit.
    return { kind: 'unavailable', reason: error instanceof Error ? error.message : String(error) };
  }
}

function toProblem(error: ErrorObject): SchemaProblem {
  const params = error.params as Record<string, unknown>;
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'additionalProperties') message += `: ${String(params['additionalProperty'])}`;
  if (error.keyword === 'enum' && Array.isArray(params['allowedValues'])) {
    message += `: ${params['allowedValues'].map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return { pointer: error.instancePath, message };
}
