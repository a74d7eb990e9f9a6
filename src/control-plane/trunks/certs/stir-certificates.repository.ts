import { Injectable } from '@nestjs/common';
import { Db } from '../../../common/context/db.js';
import { EntityRepository } from '../../../common/database/entity-repository.js';
import { StirCertificateEntity } from './stir-certificate.entity.js';

/** The `stir_certificates` table: the certificates the STIR CA issued. */
@Injectable()
export class StirCertificatesRepository extends EntityRepository<StirCertificateEntity> {
  constructor(db: Db) {
    super(db, StirCertificateEntity);
  }

  find(id: string): Promise<StirCertificateEntity | null> {
    return this.rows.findOneBy({ id });
  }
}
