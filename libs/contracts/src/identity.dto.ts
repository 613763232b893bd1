import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsString,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import { OptionalNotNull, SLUG_PATTERN } from './validation.js';

export const ROLE_NAMES = ['admin', 'reviewer', 'auditor'] as const;

export class LoginDto {
  @ApiProperty()
  @IsString()
  @MaxLength(320)
  email!: string;

  @ApiProperty()
  @IsString()
  @MaxLength(1024)
  password!: string;
}

export class CreateUserDto {
  @ApiProperty()
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @ApiProperty({ minLength: 8 })
  @IsString()
  @Length(8, 1024)
  password!: string;

  @ApiProperty({ enum: ROLE_NAMES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(ROLE_NAMES, { each: true })
  roles!: (typeof ROLE_NAMES)[number][];

  @ApiPropertyOptional({ type: [String], description: 'Queue slugs the user works on' })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(1000)
  @Matches(SLUG_PATTERN, { each: true, message: 'each queue must be a queue slug' })
  queues?: string[];
}

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: ROLE_NAMES, isArray: true })
  @OptionalNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(ROLE_NAMES, { each: true })
  roles?: (typeof ROLE_NAMES)[number][];

  @ApiPropertyOptional({ type: [String], description: 'Replaces the list of queues' })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(1000)
  @Matches(SLUG_PATTERN, { each: true, message: 'each queue must be a queue slug' })
  queues?: string[];

  @ApiPropertyOptional({ minLength: 8 })
  @OptionalNotNull()
  @IsString()
  @Length(8, 1024)
  password?: string;

  @ApiPropertyOptional()
  @OptionalNotNull()
  @IsBoolean()
  disabled?: boolean;
}

export class CreateApiKeyDto {
  @ApiProperty({ description: 'Name of the calling service' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, { message: 'service must be 1-100 letters, digits, . _ -' })
  service!: string;

  @ApiProperty({ type: [String], description: 'Queue slugs the key may submit to' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @Matches(SLUG_PATTERN, { each: true, message: 'each queue must be a queue slug' })
  queues!: string[];
}
