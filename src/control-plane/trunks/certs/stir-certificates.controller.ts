import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../../../common/auth/current-principal.decorator.js';
import type { Principal } from '../../../common/auth/principal.js';
import { Public } from '../../../common/auth/public.decorator.js';
import { Scopes } from '../../../common/auth/scopes.decorator.js';
import { ApiProblems, IdempotencyKeyHeader, ResourceId } from '../../../common/http/openapi-decorators.js';
import { ProblemException } from '../../../common/http/problem.js';
import { IssueStirCertificateDto, StirCertificateDto } from './stir-certificate.dto.js';
import { StirCertificatesService } from './stir-certificates.service.js';

export const PEM_CONTENT_TYPE = 'application/x-pem-file';
/** Issued certificates never change: verifiers may cache them (and the CA) for a day. */
const PEM_CACHE_CONTROL = 'public, max-age=86400';

export const CERTS_ROUTE = 'ript/v1/providertgs/:tgId/certs';

/** Per-number STIR certificates for an enterprise's own numbers (profile §4 "Certificates", scope ript:certs). */
@ApiTags('ript')
@ApiBearerAuth()
@Scopes('ript:certs')
@Controller(CERTS_ROUTE)
export class StirCertificatesController {
  constructor(private readonly certs: StirCertificatesService) {}

  @Post()
  @IdempotencyKeyHeader()
  @ApiConsumes('application/json', 'application/pkcs10')
  @ApiCreatedResponse({ type: StirCertificateDto })
  @ApiProblems(400, 401, 403, 404, 415, 422)
  async issue(
    @CurrentPrincipal() principal: Principal,
    @ResourceId('tgId', 'trk') tgId: string,
    @Body() dto: IssueStirCertificateDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StirCertificateDto> {
    if (!principal?.tenantId) {
      throw ProblemException.of('not-a-tenant', 'This route is for enterprise tokens only');
    }
    const cert = await this.certs.issue(principal.tenantId, tgId, dto);
    const view = this.certs.view(cert);
    void reply.header('location', view.x5u);
    return view;
  }
}

/** The x5u URLs: public, so that any STIR verifier can fetch a signer's certificate and the CA. */
@ApiTags('ript')
@Public()
@Controller('ript/v1')
export class StirCertificatesPublicController {
  constructor(private readonly certs: StirCertificatesService) {}

  @Get('certs/:file')
  @ApiProduces(PEM_CONTENT_TYPE)
  @ApiOkResponse({ description: 'The certificate, then the CA certificate that signed it (PEM)' })
  @ApiProblems(404)
  async certificate(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const id = file.endsWith('.pem') ? file.slice(0, -'.pem'.length) : '';
    const pem = await this.certs.chainPem(id);
    if (!pem) throw ProblemException.of('certificate-not-found', `No certificate ${file}`);
    void reply.header('content-type', PEM_CONTENT_TYPE).header('cache-control', PEM_CACHE_CONTROL);
    return pem;
  }

  @Get('stir/ca.pem')
  @ApiProduces(PEM_CONTENT_TYPE)
  @ApiOkResponse({ description: "The provider's STIR CA certificate (PEM)" })
  ca(@Res({ passthrough: true }) reply: FastifyReply): string {
    void reply.header('content-type', PEM_CONTENT_TYPE).header('cache-control', PEM_CACHE_CONTROL);
    return this.certs.caPem();
  }
}
