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
import {
  type LoginRequest,
  type NewApiKey,
  type NewUser,
  type Role,
  ROLES,
  type UserChanges,
} from './wire/index.js';

export class LoginDto implements LoginRequest {
  @ApiProperty()
  @IsString()
  @MaxLength(320)
  email!: string;

  @ApiProperty()
  @IsString()
  @MaxLength(1024)
  password!: string;
}

export class CreateUserDto implements NewUser {
  @ApiProperty()
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @ApiProperty({ minLength: 8 })
  @IsString()
  @Length(8, 1024)
  password!: string;

  @ApiProperty({ enum: ROLES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(ROLES, { each: true })
  roles!: Role[];

  @ApiPropertyOptional({ type: [String], description: 'Queue slugs the user works on' })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(1000)
  @Matches(SLUG_PATTERN, { each: true, message: 'each queue must be a queue slug' })
  queues?: string[];
}

export class UpdateUserDto implements UserChanges {
  @ApiPropertyOptional({ enum: ROLES, isArray: true })
  @OptionalNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(ROLES, { each: true })
  roles?: Role[];

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

export class CreateApiKeyDto implements NewApiKey {
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
