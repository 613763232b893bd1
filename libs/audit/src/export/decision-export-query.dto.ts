import { DECISION_VERDICTS, SLUG_PATTERN, type Verdict } from '@arbiter/contracts';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { IsAfterField, IsIsoTime, IsUserRef, PRINTABLE, ToInteger } from './export-validators.js';

export const DECISION_EXPORT_FORMATS = ['jsonl', 'csv'] as const;
export const EXPORT_VERDICTS = DECISION_VERDICTS;
export const EXPORT_ORDERS = ['asc', 'desc'] as const;
export const MAX_EXPORT_LIMIT = 10_000;

export type DecisionExportFormat = (typeof DECISION_EXPORT_FORMATS)[number];
export type ExportVerdict = Verdict;
export type ExportOrder = (typeof EXPORT_ORDERS)[number];

/** Filters of `GET /api/v1/audit/decisions`; every one optional, unknown ones refused. */
export class DecisionExportQueryDto {
  @ApiPropertyOptional({ enum: DECISION_EXPORT_FORMATS, default: 'jsonl' })
  @IsOptional()
  @IsIn(DECISION_EXPORT_FORMATS)
  format?: DecisionExportFormat;

  @ApiPropertyOptional({ description: 'Queue slug (an unknown slug answers 404 NOT_FOUND)' })
  @IsOptional()
  @Matches(SLUG_PATTERN, { message: 'queue must be a queue slug' })
  queue?: string;

  @ApiPropertyOptional({ description: 'Decided at or after this time (ISO 8601, inclusive)' })
  @IsOptional()
  @IsIsoTime()
  from?: string;

  @ApiPropertyOptional({ description: 'Decided before this time (ISO 8601, exclusive)' })
  @IsOptional()
  @IsIsoTime()
  @IsAfterField('from')
  to?: string;

  @ApiPropertyOptional({ description: 'Reviewer: user id (UUID) or email address' })
  @IsOptional()
  @IsUserRef()
  reviewer?: string;

  @ApiPropertyOptional({ enum: EXPORT_VERDICTS })
  @IsOptional()
  @IsIn(EXPORT_VERDICTS)
  verdict?: ExportVerdict;

  @ApiPropertyOptional({
    description: 'Model name, or `name@version` (the part after the last `@` is the version)',
    maxLength: 301,
  })
  @IsOptional()
  @IsString()
  @Length(1, 301)
  @Matches(PRINTABLE, { message: 'model must not contain control characters' })
  model?: string;

  @ApiPropertyOptional({
    description: 'Extension for the UI: at most this many decisions (default: all of them)',
    minimum: 1,
    maximum: MAX_EXPORT_LIMIT,
    type: 'integer',
  })
  @IsOptional()
  @ToInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_EXPORT_LIMIT)
  limit?: number;

  @ApiPropertyOptional({
    enum: EXPORT_ORDERS,
    default: 'asc',
    description: 'Extension for the UI: by decision time, then decision id',
  })
  @IsOptional()
  @IsIn(EXPORT_ORDERS)
  order?: ExportOrder;
}
