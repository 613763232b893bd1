import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsIn, IsObject, IsOptional, ValidateNested } from 'class-validator';
import { ModelDto, ModelField, OptionalConfidence } from './submit-item.dto.js';
import { Entries, IsJsonValue, IsMetadata } from './validation.js';
import { type Reason, REASONS, type ReviewVerdict, VERDICTS } from './wire/index.js';

/** The decision a reviewer should make of a gold item. */
export class GoldExpectedDto {
  @ApiProperty({ enum: VERDICTS })
  @IsIn(VERDICTS)
  verdict!: ReviewVerdict;

  @ApiPropertyOptional({
    description:
      'The corrected output: required with verdict correct (and must differ from output), refused otherwise',
  })
  @IsOptional()
  @IsJsonValue()
  output?: unknown;
}

export class GoldItemDto {
  @ApiProperty({ description: 'What the model saw (any JSON)' })
  @IsJsonValue()
  input!: unknown;

  @ApiProperty({ description: "What the model said (any JSON); must satisfy the queue's outputSchema" })
  @IsJsonValue()
  output!: unknown;

  @OptionalConfidence()
  confidence?: number;

  @ModelField()
  model!: ModelDto;

  @ApiProperty({ type: GoldExpectedDto })
  @IsObject()
  @ValidateNested()
  @Type(() => GoldExpectedDto)
  expected!: GoldExpectedDto;

  @ApiPropertyOptional({
    enum: REASONS,
    description: 'Shown to reviewers; by default the reason of the real item it stands in front of',
  })
  @IsOptional()
  @IsIn(REASONS)
  reason?: Reason;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'Shown to reviewers like a submission’s metadata (give it what real items carry); at most 64 keys',
  })
  @IsOptional()
  @IsMetadata()
  metadata?: Record<string, unknown>;
}

export class GoldBatchDto {
  @ApiProperty({
    type: [GoldItemDto],
    maxItems: 500,
    description: 'Each entry is accepted or refused on its own, as in a batch submit',
  })
  @IsArray()
  @ArrayMinSize(1)
  @Entries()
  items!: unknown[];
}
