import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Principal, Role } from './principal.js';

export const IS_PUBLIC = 'arbiter:public';
export const ALLOWED = 'arbiter:allowed';

export type Audience = Role | 'service';

/** The route needs no credentials. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Who may call the route: roles of people and/or `service` for API keys. Routes without it refuse everyone. */
export const Allow = (...audiences: Audience[]) => SetMetadata(ALLOWED, audiences);

export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  return context.switchToHttp().getRequest<{ principal: Principal }>().principal;
});
