import { Global, Module } from '@nestjs/common';
import { Db } from '../context/db.js';
import { AuditController } from './audit.controller.js';
import { AuditService } from './audit.service.js';

@Global()
@Module({ controllers: [AuditController], providers: [Db, AuditService], exports: [Db, AuditService] })
export class AuditModule {}
