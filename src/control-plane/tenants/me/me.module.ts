import { Module } from '@nestjs/common';
import { NumbersModule } from '../../numbers/numbers.module.js';
import { OauthModule } from '../../oauth/oauth.module.js';
import { TrunksModule } from '../../trunks/trunks.module.js';
import { TenantsModule } from '../tenants.module.js';
import { MeController } from './me.controller.js';

@Module({ imports: [TenantsModule, TrunksModule, NumbersModule, OauthModule], controllers: [MeController] })
export class MeModule {}
