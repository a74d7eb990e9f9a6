import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { MAX_CSR_LENGTH } from './csr.js';

/** `POST <certs>`: a CSR for one number of the tenant (also accepted as the raw body with `application/pkcs10`). */
export class IssueStirCertificateDto {
  @ApiProperty({
    description:
      'PKCS#10 certificate request, PEM, with an EC P-256 key. The number is taken from its TNAuthList extension ' +
      'request (one TNEntry `one`), else from `number`, else from its subject CN.',
    example:
      '-----BEGIN CERTIFICATE REQUEST-----\nMIIBLzCB1gIBADAYMRYwFAYDVQQDDA0rMTQwODU1NTAxMDA...\n-----END CERTIFICATE REQUEST-----\n',
    maxLength: MAX_CSR_LENGTH,
  })
  @IsString()
  @MaxLength(MAX_CSR_LENGTH)
  csr!: string;

  @ApiPropertyOptional({
    example: '+14085550100',
    description: "E.164 number, when the CSR has no TNAuthList; must agree with the CSR's TNAuthList if it has one",
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  number?: string;
}

export class StirCertificateDto {
  @ApiProperty({ example: 'crt_5k2m9q0d3x7c1v8b4n6p' })
  id!: string;

  @ApiProperty({ example: '+14085550100' })
  number!: string;

  @ApiProperty({ description: 'The issued certificate, PEM' })
  certificate!: string;

  @ApiProperty({
    example: 'https://api.carrier.example/ript/v1/certs/crt_5k2m9q0d3x7c1v8b4n6p.pem',
    description: 'Public URL of the certificate and its CA (PEM), for the x5u of PASSporTs signed with it',
  })
  x5u!: string;

  @ApiProperty({ example: 'c3a1f0...', description: 'Serial number, hex' })
  serial!: string;

  @ApiProperty()
  notBefore!: string;

  @ApiProperty()
  notAfter!: string;
}

/** `POST /internal/v1/stir/edge-certificate` (edges only): a CSR for the edge's SHAKEN signing key. */
export class IssueEdgeCertificateDto {
  /** PKCS#10, PEM, EC P-256; only its key is used (the subject and TNAuthList are the provider's). */
  @IsString()
  @MaxLength(MAX_CSR_LENGTH)
  csr!: string;

  /** The edge asking, recorded with the certificate. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,255}$/)
  edgeId?: string;
}

export interface EdgeCertificateDto {
  id: string;
  /** The provider's Service Provider Code, the certificate's TNAuthList. */
  spc: string;
  certificate: string;
  x5u: string;
  serial: string;
  notBefore: string;
  notAfter: string;
}
