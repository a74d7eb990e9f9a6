import { applyDecorators, Param, type PipeTransform } from '@nestjs/common';
import { ApiHeader, ApiParam, ApiResponse } from '@nestjs/swagger';
import { ProblemException } from './problem.js';

/** Documents the problem+json responses of a route. */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: 'RFC 9457 problem',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      }),
    ),
  );
}

export function IdempotencyKeyHeader() {
  return ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Retrying with the same key and body returns the original response; a different body gets 422',
  });
}

class ResourceIdPipe implements PipeTransform<string, string> {
  constructor(
    private readonly name: string,
    private readonly prefix: string,
  ) {}

  transform(value: string): string {
    if (!new RegExp(`^${this.prefix}_[0-9a-z]{20}$`).test(value)) {
      throw ProblemException.of('not-found', `No ${this.name.replace(/Id$/, '')} ${value}`);
    }
    return value;
  }
}

/** A path parameter holding a prefixed id; malformed ids are 404 like unknown ones. */
export function ResourceId(name: string, prefix: string): ParameterDecorator {
  return (target, key, index) => {
    ApiParam({ name, example: `${prefix}_5k2m9q0d3x7c1v8b4n6p` })(
      target,
      key!,
      Object.getOwnPropertyDescriptor(target, key!)!,
    );
    Param(name, new ResourceIdPipe(name, prefix))(target, key, index);
  };
}
