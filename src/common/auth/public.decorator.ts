import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'riptrunk:public';

/** Marks a controller or route as open to anonymous callers; everything else needs a bearer token. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
