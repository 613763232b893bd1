import { validateInput } from '@arbiter/contracts';
import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';

const NOT_DTOS = new Set<unknown>([Object, String, Number, Boolean, Array]);

/**
 * Request bodies and query strings given as a DTO are checked by the same `validateInput` that judges
 * socket messages and batch entries: unknown fields or parameters are refused.
 */
@Injectable()
export class DtoValidationPipe implements PipeTransform {
  transform(value: unknown, { type, metatype }: ArgumentMetadata): unknown {
    if ((type !== 'body' && type !== 'query') || !metatype || NOT_DTOS.has(metatype)) return value;
    return validateInput(metatype as new () => object, type === 'query' ? (value ?? {}) : value);
  }
}
