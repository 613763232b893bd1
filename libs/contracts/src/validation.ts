import { plainToInstance } from 'class-transformer';
import {
  registerDecorator,
  ValidateIf,
  validateSync,
  type ValidationError,
  type ValidationOptions,
} from 'class-validator';
import { DomainError, type ErrorDetail } from './domain.error.js';
import { limits, type InputLimits } from './limits.js';

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

type Constructor<T> = new () => T;

/** Fields holding arbitrary JSON, per DTO class: passed through by reference, never deep-copied. */
const OPAQUE = new WeakMap<object, Set<string>>();

function markOpaque(target: object, property: string): void {
  const own = OPAQUE.get(target.constructor) ?? new Set<string>();
  own.add(property);
  OPAQUE.set(target.constructor, own);
}

function opaqueFieldsOf(cls: object): string[] {
  const fields: string[] = [];
  for (
    let c: unknown = cls;
    typeof c === 'function' && c !== Function.prototype;
    c = Object.getPrototypeOf(c)
  ) {
    fields.push(...(OPAQUE.get(c) ?? []));
  }
  return fields;
}

/** A field whose value is any JSON, checked by other decorators (or not at all), never transformed. */
export function Opaque(): PropertyDecorator {
  return (target, propertyName) => markOpaque(target, propertyName as string);
}

/**
 * Validates untrusted input against a DTO class (unknown fields refused, nested objects checked). The one
 * implementation behind the HTTP pipe, socket messages and batch entries, so all are judged alike.
 */
export function validateInput<T extends object>(cls: Constructor<T>, input: unknown): T {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw DomainError.validation([{ path: '', message: 'must be a JSON object' }]);
  }
  // class-transformer deep-copies every nested value; AI inputs and outputs can be large, so they skip it.
  const plain = input as Record<string, unknown>;
  const opaque = opaqueFieldsOf(cls).filter((field) => Object.hasOwn(plain, field));
  let instance: T;
  if (opaque.length === 0) {
    instance = plainToInstance(cls, plain);
  } else {
    const rest = { ...plain };
    for (const field of opaque) delete rest[field];
    instance = plainToInstance(cls, rest);
    for (const field of opaque) (instance as Record<string, unknown>)[field] = plain[field];
  }
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) throw DomainError.validation(flattenErrors(errors));
  return instance;
}

export function flattenErrors(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({
      path,
      message: rule === 'whitelistValidation' ? `${path} is not an allowed field` : message,
    }));
    return own.concat(flattenErrors(error.children ?? [], path));
  });
}

/** String length bounded by a configurable limit (read when validating, so configuration applies). */
export function MaxLengthLimit(limit: keyof InputLimits, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'maxLengthLimit',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && value.length <= limits[limit],
        defaultMessage: (args) => `${args?.property} must be a string of at most ${limits[limit]} characters`,
      },
    });
}

/** An object with at most `limits.metadataKeys` keys, each a non-empty string of at most 128 characters. */
export function IsMetadata(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) => {
    markOpaque(target, propertyName as string);
    registerDecorator({
      name: 'isMetadata',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const keys = Object.keys(value);
          return keys.length <= limits.metadataKeys && keys.every((k) => k.length > 0 && k.length <= 128);
        },
        defaultMessage: (args) =>
          `${args?.property} must be an object with at most ${limits.metadataKeys} keys of 1 to 128 characters`,
      },
    });
  };
}

/** Any JSON value except null (and absent). */
export function IsJsonValue(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) => {
    markOpaque(target, propertyName as string);
    registerDecorator({
      name: 'isJsonValue',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => value !== undefined && value !== null,
        defaultMessage: (args) => `${args?.property} is required`,
      },
    });
  };
}

/** May be absent, but not null: unlike @IsOptional(), which lets null through to fields that cannot be cleared. */
export function OptionalNotNull(): PropertyDecorator {
  return ValidateIf((_, value) => value !== undefined);
}
