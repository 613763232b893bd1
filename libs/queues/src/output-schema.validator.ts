import { DomainError, type ErrorDetail } from '@arbiter/contracts';
import { Injectable } from '@nestjs/common';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

function newAjv(draft2020: boolean): Ajv {
  const ajv = draft2020
    ? new Ajv2020({ strict: false, allErrors: true })
    : new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  return ajv;
}

/** Compiles queue output schemas (JSON Schema draft-07, or 2020-12 when `$schema` says so) and checks outputs. */
@Injectable()
export class OutputSchemaValidator {
  private readonly compiled = new Map<string, ValidateFunction>();

  /** Throws VALIDATION_FAILED (at `path`) when `schema` is not a usable JSON Schema. */
  assertValidSchema(schema: Record<string, unknown>, path = 'outputSchema'): void {
    try {
      compile(schema);
    } catch (error) {
      throw DomainError.validation([
        { path, message: `is not a valid JSON Schema: ${(error as Error).message}` },
      ]);
    }
  }

  /** Problems of `value` against `schema`, each at `path` plus the JSON pointer inside the value. */
  problems(
    cacheKey: string,
    schema: Record<string, unknown>,
    value: unknown,
    path = 'output',
  ): ErrorDetail[] {
    let validate = this.compiled.get(cacheKey);
    if (!validate) {
      validate = compile(schema);
      this.compiled.set(cacheKey, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).slice(0, 20).map((e) => ({
      path: path + e.instancePath.replaceAll('/', '.'),
      message: `${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? `: ${String(e.params['additionalProperty'])}` : ''}`,
    }));
  }
}

/** A fresh Ajv per schema: schemas may carry an `$id`, which one Ajv instance accepts only once. */
function compile(schema: Record<string, unknown>): ValidateFunction {
  const draft2020 = typeof schema['$schema'] === 'string' && schema['$schema'].includes('2020-12');
  return newAjv(draft2020).compile(schema);
}
