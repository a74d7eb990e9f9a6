import { SetMetadata } from '@nestjs/common';
import type { Scope } from './principal.js';

export const REQUIRED_SCOPES = 'riptrunk:scopes';

/** The route needs a token with at least one of these scopes. Routes without it (and not @Public) are refused. */
export const Scopes = (...scopes: Scope[]) => SetMetadata(REQUIRED_SCOPES, scopes);
