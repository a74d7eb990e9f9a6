import { Body, Controller, Header, Post } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import { Scopes } from '../../../common/auth/scopes.decorator.js';
import { IssueEdgeCertificateDto, type EdgeCertificateDto } from './stir-certificate.dto.js';
import { StirCertificatesService } from './stir-certificates.service.js';

/** The edges' internal API for their SHAKEN signing certificate (credential RIPTRUNK_INTERNAL_TOKEN, scope `edge`). */
@Scopes('edge')
@Controller('internal/v1/stir')
export class EdgeCertificateController {
  constructor(private readonly certs: StirCertificatesService) {}

  @Post('edge-certificate')
  @ApiExcludeEndpoint()
  @Header('cache-control', 'no-store')
  issue(@Body() dto: IssueEdgeCertificateDto): Promise<EdgeCertificateDto> {
    return this.certs.issueProvider(dto);
  }
}
