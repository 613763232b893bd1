import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { EXPORT_ORDERS, type ExportOrder, MAX_EXPORT_LIMIT } from './decision-export-query.dto.js';
import { IsAfterField, IsIsoTime, PRINTABLE, ToInteger } from './export-validators.js';

export const EVENT_EXPORT_FORMATS = ['jsonl'] as const;
export type EventExportFormat = (typeof EVENT_EXPORT_FORMATS)[number];

/** An action name such as `item.decided`; several are separated by commas. */
const ACTION_LIST = /^[a-z][a-z_]{0,31}\.[a-z][a-z_]{0,31}(,[a-z][a-z_]{0,31}\.[a-z][a-z_]{0,31})*$/;

/** Filters of `GET /api/v1/audit/events`; every one optional, unknown ones refused. */
export class EventExportQueryDto {
  @ApiPropertyOptional({ enum: EVENT_EXPORT_FORMATS, default: 'jsonl' })
  @IsOptional()
  @IsIn(EVENT_EXPORT_FORMATS)
  format?: EventExportFormat;

  @ApiPropertyOptional({ description: 'Occurred at or after this time (ISO 8601, inclusive)' })
  @IsOptional()
  @IsIsoTime()
  from?: string;

  @ApiPropertyOptional({ description: 'Occurred before this time (ISO 8601, exclusive)' })
  @IsOptional()
  @IsIsoTime()
  @IsAfterField('from')
  to?: string;

  @ApiPropertyOptional({
    description: 'Extension for the UI: comma-separated actions, e.g. `item.decided,item.escalated`',
    maxLength: 1000,
  })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  @Matches(ACTION_LIST, { message: 'action must be a comma-separated list of actions such as item.decided' })
  action?: string;

  @ApiPropertyOptional({ description: 'Extension for the UI: the subject id (an item, queue, user...)' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  @Matches(PRINTABLE, { message: 'subject must not contain control characters' })
  subject?: string;

  @ApiPropertyOptional({
    description: 'Extension for the UI: at most this many events (default: all of them)',
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
    description: 'Extension for the UI: by sequence number',
  })
  @IsOptional()
  @IsIn(EXPORT_ORDERS)
  order?: ExportOrder;
}
