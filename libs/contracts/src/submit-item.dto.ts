import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { limits } from './limits.js';
import {
  Entries,
  IsJsonValue,
  IsMetadata,
  isObject,
  isText,
  MaxLengthLimit,
  only,
  quickPath,
  UUID_PATTERN,
} from './validation.js';
import { type JsonValue, type Reason, REASONS, type SubmitItem } from './wire/index.js';

export const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

export class ModelDto {
  @ApiProperty({ maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ maxLength: 100 })
  @IsString()
  @Length(1, 100)
  version!: string;
}

/** The model that made an output: `{name, version}`. */
export const ModelField = () =>
  applyDecorators(
    ApiProperty({ type: ModelDto }),
    IsObject(),
    ValidateNested(),
    Type(() => ModelDto),
  );

/** The model's confidence in its output, when it gives one: a number in [0, 1]. */
export const OptionalConfidence = () =>
  applyDecorators(
    ApiPropertyOptional({ minimum: 0, maximum: 1 }),
    IsOptional(),
    IsNumber({ allowNaN: false, allowInfinity: false }),
    Min(0),
    Max(1),
  );

export class SubmitItemDto implements SubmitItem {
  @ApiProperty({ description: 'Your id for this output; unique per service and queue', maxLength: 256 })
  @IsString()
  @MinLength(1)
  @MaxLengthLimit('externalIdLength')
  externalId!: string;

  @ModelField()
  model!: ModelDto;

  @ApiProperty({ description: 'What the model saw (any JSON)' })
  @IsJsonValue()
  input!: JsonValue;

  @ApiPropertyOptional({
    description: 'What the model said (any JSON); absent only when reason is model_error',
  })
  @ValidateIf((o: SubmitItemDto) => o.reason !== 'model_error' || o.output !== undefined)
  @IsJsonValue({ message: 'output is required unless reason is model_error' })
  output?: JsonValue;

  @OptionalConfidence()
  confidence?: number;

  @ApiProperty({ enum: REASONS })
  @IsIn(REASONS)
  reason!: Reason;

  @ApiPropertyOptional({ minimum: 0, maximum: 100, default: 0, description: 'Higher is reviewed first' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  priority?: number;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'At most 64 keys' })
  @IsOptional()
  @IsMetadata()
  metadata?: Record<string, JsonValue>;

  @ApiPropertyOptional({ description: 'Where the decision is POSTed; wins over the queue callbackUrl' })
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  @MaxLength(2048)
  callbackUrl?: string;

  @ApiPropertyOptional({
    type: 'string',
    format: 'uuid',
    nullable: true,
    description:
      'A user id: only this reviewer (an enabled reviewer of the queue) may claim the item; null or absent: ' +
      "the queue's shared line",
  })
  @ValidateIf((_, v) => v !== undefined && v !== null)
  @Matches(UUID_PATTERN, { message: 'assignee must be a user id (a UUID)' })
  assignee?: string | null;
}

const SUBMIT_FIELDS: ReadonlySet<string> = new Set([
  'externalId',
  'model',
  'input',
  'output',
  'confidence',
  'reason',
  'priority',
  'metadata',
  'callbackUrl',
  'assignee',
]);
const MODEL_FIELDS: ReadonlySet<string> = new Set(['name', 'version']);

/**
 * A submission as it usually comes, recognised and built without class-validator, which costs several times
 * more per batch entry. Null for anything less usual (a null where a field may be absent, a callbackUrl, any
 * doubt): class-validator judges those, so refusals read the same whichever path an entry takes.
 */
export function quickSubmitItem(plain: Record<string, unknown>): SubmitItemDto | null {
  const { externalId, model, input, output, confidence, reason, priority, metadata, callbackUrl, assignee } =
    plain;
  const valid =
    only(plain, SUBMIT_FIELDS) &&
    isText(externalId, 1, limits.externalIdLength) &&
    isObject(model) &&
    only(model, MODEL_FIELDS) &&
    isText(model.name, 1, 200) &&
    isText(model.version, 1, 100) &&
    input !== undefined &&
    input !== null &&
    (REASONS as readonly unknown[]).includes(reason) &&
    (output === undefined ? reason === 'model_error' : output !== null) &&
    (confidence === undefined ||
      (typeof confidence === 'number' &&
        Number.isFinite(confidence) &&
        confidence >= 0 &&
        confidence <= 1)) &&
    (priority === undefined ||
      (Number.isInteger(priority) && (priority as number) >= 0 && (priority as number) <= 100)) &&
    (metadata === undefined ||
      (isObject(metadata) &&
        Object.keys(metadata).length <= limits.metadataKeys &&
        Object.keys(metadata).every((key) => key.length > 0 && key.length <= 128))) &&
    callbackUrl === undefined &&
    (assignee === undefined ||
      assignee === null ||
      (typeof assignee === 'string' && UUID_PATTERN.test(assignee)));
  if (!valid) return null;
  return Object.assign(new SubmitItemDto(), plain, {
    model: Object.assign(new ModelDto(), { name: model.name, version: model.version }),
  });
}

quickPath(SubmitItemDto, quickSubmitItem);

export class SubmitBatchDto {
  @ApiProperty({
    type: [SubmitItemDto],
    maxItems: 500,
    description: 'Each entry is accepted or refused on its own',
  })
  @IsArray()
  @ArrayMinSize(1)
  @Entries()
  items!: unknown[];
}
