import { Injectable } from '@nestjs/common';
import type { DeepPartial } from 'typeorm';
import { Db } from '../../../common/context/db.js';
import { StirCertificateEntity } from './stir-certificate.entity.js';

/** The `stir_certificates` table: the certificates the STIR CA issued. */
@Injectable()
export class StirCertificatesRepository {
  constructor(private readonly db: Db) {}

  create(fields: DeepPartial<StirCertificateEntity>): StirCertificateEntity {
    return this.db.repo(StirCertificateEntity).create(fields);
  }

  async save(cert: StirCertificateEntity): Promise<void> {
    await this.db.repo(StirCertificateEntity).save(cert);
  }

  find(id: string): Promise<StirCertificateEntity | null> {
    return this.db.repo(StirCertificateEntity).findOneBy({ id });
  }
}
