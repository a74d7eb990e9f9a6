import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import * as x509 from '@peculiar/x509';
import type { FastifyInstance } from 'fastify';
import { NumbersModule } from '../../numbers/numbers.module.js';
import { TrunksModule } from '../trunks.module.js';
import { EdgeCertificateController } from './edge-certificate.controller.js';
import { StirCaService } from './stir-ca.service.js';
import {
  CERTS_ROUTE,
  StirCertificatesController,
  StirCertificatesPublicController,
} from './stir-certificates.controller.js';
import { StirCertificatesRepository } from './stir-certificates.repository.js';
import { StirCertificatesService } from './stir-certificates.service.js';

const PKCS10 = 'application/pkcs10';
const CSR_BODY_LIMIT = 64 * 1024;

function unsupportedMediaType(): Error {
  return Object.assign(new Error('Unsupported Media Type'), {
    statusCode: 415,
    code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
  });
}

/**
 * The provider's STIR CA and the certificates it issues. Besides JSON, `POST <certs>` takes the CSR as the raw
 * `application/pkcs10` body, PEM or DER (RFC 5967), which becomes `{"csr": "<PEM>"}` for the handler.
 */
@Module({
  imports: [TrunksModule, NumbersModule],
  controllers: [StirCertificatesController, StirCertificatesPublicController, EdgeCertificateController],
  providers: [StirCaService, StirCertificatesService, StirCertificatesRepository],
  exports: [StirCaService],
})
export class StirCertificatesModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || fastify.hasContentTypeParser(PKCS10)) return;
    fastify.addContentTypeParser(PKCS10, { parseAs: 'buffer', bodyLimit: CSR_BODY_LIMIT }, (request, body, done) => {
      if (request.routeOptions.url !== `/${CERTS_ROUTE}`) return done(unsupportedMediaType(), undefined);
      const buffer = body as Buffer;
      const text = buffer.toString('latin1');
      const csr = text.trimStart().startsWith('-----BEGIN')
        ? text
        : x509.PemConverter.encode(new Uint8Array(buffer), x509.PemConverter.CertificateRequestTag);
      done(null, { csr });
    });
  }
}
