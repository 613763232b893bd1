import { Transform } from 'class-transformer';
import { isEmail, registerDecorator, type ValidationOptions } from 'class-validator';
import { isoTimeMicros, normalizeIsoTime } from './iso-time.js';
import { isUuid } from './sql-literal.js';

/** Query strings carry text; a plain decimal becomes a number for @IsInt, anything else stays to be refused. */
export const ToInteger = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value,
  );

/** Printable text only: no control characters (NUL, line breaks, escapes) in a filter value. */
export const PRINTABLE = /^[^\p{Cc}]+$/u;

/** An ISO 8601 date or date-time (see normalizeIsoTime). */
export function IsIsoTime(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isIsoTime',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && normalizeIsoTime(value) !== null,
        defaultMessage: (args) =>
          `${args?.property} must be an ISO 8601 date or date-time, e.g. 2026-01-31T12:00:00Z`,
      },
    });
}

/** Later than the time in `field`, when both are given and valid (the range is [from, to)). */
export function IsAfterField(field: string, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isAfterField',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown, args) => {
          const other = (args?.object as Record<string, unknown>)[field];
          if (typeof value !== 'string' || typeof other !== 'string') return true;
          const to = normalizeIsoTime(value);
          const from = normalizeIsoTime(other);
          if (to === null || from === null) return true;
          return isoTimeMicros(to) > isoTimeMicros(from);
        },
        defaultMessage: (args) => `${args?.property} must be later than ${field}`,
      },
    });
}

/** A user id (UUID) or an email address. */
export function IsUserRef(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isUserRef',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && value.length <= 320 && (isUuid(value) || isEmail(value)),
        defaultMessage: (args) => `${args?.property} must be a user id (UUID) or an email address`,
      },
    });
}
