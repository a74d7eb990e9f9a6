import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { stringify } from 'yaml';

const PROBLEM_SCHEMA = {
  type: 'object' as const,
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string' as const, example: 'urn:riptrunk:problem:validation' },
    title: { type: 'string' as const, example: 'Invalid request' },
    status: { type: 'integer' as const, example: 400 },
    detail: { type: 'string' as const },
    instance: { type: 'string' as const },
    correlationId: { type: 'string' as const, description: 'Present on 500s: the request id to quote' },
    errors: {
      type: 'array' as const,
      items: {
        type: 'object' as const,
        properties: { pointer: { type: 'string' as const, example: '#/start' }, detail: { type: 'string' as const } },
      },
    },
  },
};

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('riptrunk control plane')
    .setDescription(
      'Carrier admin API, RIPT discovery and trunk configuration documents. Errors are RFC 9457 application/problem+json.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Operator token or OAuth access token' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.components ??= {};
  document.components.schemas = { Problem: PROBLEM_SCHEMA, ...document.components.schemas };
  return document;
}

export function openApiYaml(app: INestApplication): string {
  return stringify(buildOpenApiDocument(app), { sortMapEntries: false, lineWidth: 0 });
}
