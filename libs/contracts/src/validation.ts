import { plainToInstance } from 'class-transformer';
import {
  registerDecorator,
  ValidateIf,
  validateSync,
  type ValidationError,
  type ValidationOptions,
} from 'class-validator';
import { DomainError } from './domain.error.js';
import { limits, type InputLimits } from './limits.js';
import type { ErrorDetail } from './wire/index.js';

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;
/** A user or item id, any UUID version, either case. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Constructor<T> = new () => T;

/** Fields holding arbitrary JSON, per DTO class: passed through by reference, never deep-copied. */
const OPAQUE = new WeakMap<object, Set<string>>();

function markOpaque(target: object, property: string): void {
  const own = OPAQUE.get(target.constructor) ?? new Set<string>();
  own.add(property);
  OPAQUE.set(target.constructor, own);
}

function fieldsOf(marks: WeakMap<object, Set<string>>, cls: object): string[] {
  const fields: string[] = [];
  for (
    let c: unknown = cls;
    typeof c === 'function' && c !== Function.prototype;
    c = Object.getPrototypeOf(c)
  ) {
    fields.push(...(marks.get(c) ?? []));
  }
  return fields;
}

/** A field whose value is any JSON, checked by other decorators (or not at all), never transformed. */
export function Opaque(): PropertyDecorator {
  return (target, propertyName) => markOpaque(target, propertyName as string);
}

/** Fields whose elements are each validated on their own later (batch entries), so one bad entry stays its own. */
const ENTRIES = new WeakMap<object, Set<string>>();

/** An opaque array of entries, each judged later by validateInput on its own. */
export function Entries(): PropertyDecorator {
  return (target, propertyName) => {
    markOpaque(target, propertyName as string);
    const own = ENTRIES.get(target.constructor) ?? new Set<string>();
    own.add(propertyName as string);
    ENTRIES.set(target.constructor, own);
  };
}

/**
 * A NUL character cannot be stored in a Postgres text or jsonb value, nor an unpaired UTF-16 surrogate (JSON
 * lets both in as \u escapes), so either anywhere in the input, key or value, is refused here rather than
 * failing in the database.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const isUnstorable = (text: string) => text.includes('\u0000') || LONE_SURROGATE.test(text);

function assertStorableText(value: unknown, path: string, skip: ReadonlySet<string>): void {
  if (typeof value === 'string') {
    if (isUnstorable(value)) throw DomainError.validation([{ path, message: unstorable(value) }]);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertStorableText(v, `${path}[${i}]`, skip));
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (isUnstorable(key))
      throw DomainError.validation([{ path: at, message: `the key ${unstorable(key)}` }]);
    if (!skip.has(at)) assertStorableText(v, at, skip);
  }
}

const unstorable = (text: string) =>
  text.includes('\u0000')
    ? 'contains a NUL character (\\u0000), which cannot be stored'
    : 'contains an unpaired UTF-16 surrogate, which is not valid Unicode text';

/**
 * Validates untrusted input against a DTO class (unknown fields refused, nested objects checked). The one
 * implementation behind the HTTP pipe, socket messages and batch entries, so all are judged alike.
 */
export function validateInput<T extends object>(cls: Constructor<T>, input: unknown): T {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw DomainError.validation([{ path: '', message: 'must be a JSON object' }]);
  }
  const plain = input as Record<string, unknown>;
  assertStorableText(plain, '', new Set(fieldsOf(ENTRIES, cls)));
  return (QUICK.get(cls)?.(plain) as T | null | undefined) ?? validateByDecorators(cls, plain);
}

/** Per DTO class, a builder that recognises input certainly valid without class-validator (see quickPath). */
const QUICK = new WeakMap<object, (plain: Record<string, unknown>) => object | null>();

/** Helpers for quick paths: a plain object, a string of `min`..`max` UTF-16 units, no key outside `fields`. */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
export const isText = (value: unknown, min: number, max: number): value is string =>
  typeof value === 'string' && value.length >= min && value.length <= max;
export const only = (object: Record<string, unknown>, fields: ReadonlySet<string>) =>
  Object.keys(object).every((key) => fields.has(key));

/**
 * Gives `cls` a quick path for the input that comes by the thousand (batch entries, reviewers' claims and
 * decisions): `build` answers the instance when the input is certainly valid, and null for anything else,
 * which class-validator then judges and words the refusal of. `build` must accept nothing class-validator
 * refuses and build what it would; a spec beside each one checks both against validateByDecorators.
 */
export function quickPath<T extends object>(
  cls: Constructor<T>,
  build: (plain: Record<string, unknown>) => T | null,
): void {
  QUICK.set(cls, build);
}

/** The class-validator judgement of a plain object (its text already checked storable). */
export function validateByDecorators<T extends object>(
  cls: Constructor<T>,
  plain: Record<string, unknown>,
): T {
  // class-transformer deep-copies every nested value; AI inputs and outputs can be large, so they skip it.
  const opaque = fieldsOf(OPAQUE, cls).filter((field) => Object.hasOwn(plain, field));
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
