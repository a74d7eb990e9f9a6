import { Injectable } from '@nestjs/common';
import { AuditService } from '../../../common/audit/audit.service.js';
import { AppConfig } from '../../../common/config/app-config.js';
import { newId } from '../../../common/http/ids.js';
import { ProblemException } from '../../../common/http/problem.js';
import { issueProviderStirCertificate, issueStirCertificate, StirCaExpiredError } from '@riptrunk/ript';
import { NumberRangesRepository } from '../../numbers/number-ranges.repository.js';
import { TrunksService } from '../trunks.service.js';
import { parseStirCsr, stirCsrNumber } from './csr.js';
import { StirCaService } from './stir-ca.service.js';
import type {
  EdgeCertificateDto,
  IssueEdgeCertificateDto,
  IssueStirCertificateDto,
  StirCertificateDto,
} from './stir-certificate.dto.js';
import type { StirCertificateEntity } from './stir-certificate.entity.js';
import { StirCertificatesRepository } from './stir-certificates.repository.js';

const CERT_ID = /^crt_[0-9a-z]{20}$/;

@Injectable()
export class StirCertificatesService {
  constructor(
    private readonly certs: StirCertificatesRepository,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly stirCa: StirCaService,
    private readonly trunks: TrunksService,
    private readonly ranges: NumberRangesRepository,
  ) {}

  x5u(id: string): string {
    return `${this.config.publicUrl}/ript/v1/certs/${id}.pem`;
  }

  view(cert: StirCertificateEntity): StirCertificateDto {
    return {
      id: cert.id,
      number: cert.number ?? '',
      certificate: cert.pem,
      x5u: this.x5u(cert.id),
      serial: cert.serial,
      notBefore: cert.notBefore.toISOString(),
      notAfter: cert.notAfter.toISOString(),
    };
  }

  /** Issues a certificate for one number of the tenant, on one of its provider TGs (profile §4 "Certificates"). */
  async issue(tenantId: string, trunkId: string, dto: IssueStirCertificateDto): Promise<StirCertificateEntity> {
    await this.trunks.assertOwned(tenantId, trunkId);
    const csr = await parseStirCsr(dto.csr);
    const number = stirCsrNumber(csr, dto.number);
    if (!(await this.ranges.tenantHolds(tenantId, number))) {
      throw ProblemException.of('number-not-allowed', `${number} is not in a number range of your tenant`, {
        number,
      });
    }
    const ca = this.stirCa.ca;
    const cert = await issueStirCertificate(ca, { publicKey: csr.csr.publicKey, number }).catch((err: unknown) => {
      throw err instanceof StirCaExpiredError ? ProblemException.of('stir-ca-expired', err.message) : err;
    });
    const entity = this.certs.create({
      id: newId('crt'),
      tenantId,
      trunkId,
      number,
      serial: cert.serialNumber.toLowerCase(),
      pem: cert.toString('pem'),
      issuerPem: ca.certPem,
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
    });
    await this.certs.save(entity);
    const { certificate: _pem, ...summary } = this.view(entity);
    await this.audit.record({
      action: 'stir-certificate.issue',
      resourceType: 'stir-certificate',
      resourceId: entity.id,
      tenantId,
      after: { ...summary, trunkId },
    });
    return entity;
  }

  /**
   * The provider's own SHAKEN certificate for an edge (the tenants' STIR authentication service): the CSR's P-256 key,
   * subject `CN=SHAKEN <SPC>` and a TNAuthList of the SPC, whatever the CSR asks for. Served at the same x5u URLs.
   */
  async issueProvider(dto: IssueEdgeCertificateDto): Promise<EdgeCertificateDto> {
    const csr = await parseStirCsr(dto.csr);
    const ca = this.stirCa.ca;
    const spc = this.config.env.RIPTRUNK_STIR_SPC;
    const cert = await issueProviderStirCertificate(ca, { publicKey: csr.csr.publicKey, spc }).catch((err: unknown) => {
      throw err instanceof StirCaExpiredError ? ProblemException.of('stir-ca-expired', err.message) : err;
    });
    const entity = this.certs.create({
      id: newId('crt'),
      kind: 'provider',
      tenantId: null,
      trunkId: null,
      number: null,
      edgeId: dto.edgeId ?? null,
      serial: cert.serialNumber.toLowerCase(),
      pem: cert.toString('pem'),
      issuerPem: ca.certPem,
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
    });
    await this.certs.save(entity);
    const view: EdgeCertificateDto = {
      id: entity.id,
      spc,
      certificate: entity.pem,
      x5u: this.x5u(entity.id),
      serial: entity.serial,
      notBefore: entity.notBefore.toISOString(),
      notAfter: entity.notAfter.toISOString(),
    };
    const { certificate: _pem, ...summary } = view;
    await this.audit.record({
      action: 'stir-certificate.issue-provider',
      resourceType: 'stir-certificate',
      resourceId: entity.id,
      after: { ...summary, edgeId: entity.edgeId },
    });
    return view;
  }

  /** What the x5u URL serves: the certificate, then the CA certificate that signed it. Null when unknown. */
  async chainPem(id: string): Promise<string | null> {
    if (!CERT_ID.test(id)) return null;
    const cert = await this.certs.find(id);
    return cert ? `${cert.pem.trimEnd()}\n${cert.issuerPem.trimEnd()}\n` : null;
  }

  caPem(): string {
    return `${this.stirCa.ca.certPem.trimEnd()}\n`;
  }
}
