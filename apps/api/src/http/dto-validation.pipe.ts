import { validateInput } from '@arbiter/contracts';
import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';

const NOT_DTOS = new Set<unknown>([Object, String, Number, Boolean, Array]);

/** Request bodies are checked by the same `validateInput` that judges socket messages and batch entries. */
@Injectable()
export class DtoValidationPipe implements PipeTransform {
  transform(value: unknown, { type, metatype }: ArgumentMetadata): unknown {
    if (type !== 'body' || !metatype || NOT_DTOS.has(metatype)) return value;
    return validateInput(metatype as new () => object, value);
  }
}
