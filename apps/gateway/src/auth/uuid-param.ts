import { BadRequestException, Param, ParseUUIDPipe } from '@nestjs/common';

/** `@UuidParam('id')`: a path param that must be a UUID; otherwise 400 naming the param. */
export const UuidParam = (name: string) =>
  Param(name, new ParseUUIDPipe({ exceptionFactory: () => new BadRequestException([`${name} must be a UUID`]) }));
