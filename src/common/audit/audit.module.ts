import { Global, Module } from '@nestjs/common';
import { Db } from '../context/db.js';
import { AuditController } from './audit.controller.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';

@Global()
@Module({ controllers: [AuditController], providers: [Db, AuditRepository, AuditService], exports: [Db, AuditService] })
export class AuditModule {}
