import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../../../common/auth/principal.js';
import { CurrentPrincipal } from '../../../common/auth/current-principal.decorator.js';
import { Scopes } from '../../../common/auth/scopes.decorator.js';
import { ApiProblems } from '../../../common/http/openapi-decorators.js';
import { PageQuery } from '../../../common/http/pagination.js';
import { ProblemException } from '../../../common/http/problem.js';
import { NumberRangesService } from '../../numbers/number-ranges.service.js';
import { ClientsService } from '../../oauth/clients.service.js';
import { ListTrunksQuery } from '../../trunks/trunk.dto.js';
import { TrunksService } from '../../trunks/trunks.service.js';
import { TenantsService } from '../tenants.service.js';

const FIRST_PAGE = Object.assign(new PageQuery(), { limit: 200 });

/** An enterprise's own view, with its token (scope trunk:read): its tenant and nothing else. */
@ApiTags('me')
@ApiBearerAuth()
@Scopes('trunk:read')
@Controller('v1/me')
export class MeController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly trunks: TrunksService,
    private readonly ranges: NumberRangesService,
    private readonly clients: ClientsService,
  ) {}

  private tenantOf(principal: Principal | undefined): string {
    if (!principal?.tenantId) throw ProblemException.of('not-a-tenant', 'This route is for enterprise tokens only');
    return principal.tenantId;
  }

  @Get()
  @ApiProblems(401, 403)
  async me(@CurrentPrincipal() principal: Principal) {
    const tenantId = this.tenantOf(principal);
    const [tenant, trunks, numberRanges, clients] = await Promise.all([
      this.tenants.get(tenantId),
      this.myTrunks(principal, Object.assign(new ListTrunksQuery(), FIRST_PAGE)),
      this.myNumberRanges(principal, FIRST_PAGE),
      this.myClients(principal, FIRST_PAGE),
    ]);
    const { id, name, status, kind, readiness } = await this.tenants.toDto(tenant);
    return {
      tenant: { id, name, status, kind, readiness },
      trunks: trunks.items,
      numberRanges: numberRanges.items,
      clients: clients.items,
    };
  }

  @Get('trunks')
  @ApiProblems(400, 401, 403)
  async myTrunks(@CurrentPrincipal() principal: Principal, @Query() query: ListTrunksQuery) {
    const page = await this.trunks.list(this.tenantOf(principal), query);
    return { items: await Promise.all(page.items.map((t) => this.trunks.toDto(t))), nextCursor: page.nextCursor };
  }

  @Get('number-ranges')
  @ApiProblems(400, 401, 403)
  async myNumberRanges(@CurrentPrincipal() principal: Principal, @Query() query: PageQuery) {
    const page = await this.ranges.list(this.tenantOf(principal), query);
    return { items: page.items.map((r) => this.ranges.toDto(r)), nextCursor: page.nextCursor };
  }

  @Get('clients')
  @ApiProblems(400, 401, 403)
  async myClients(@CurrentPrincipal() principal: Principal, @Query() query: PageQuery) {
    const page = await this.clients.list({ tenantId: this.tenantOf(principal) }, query);
    return { items: page.items.map((c) => this.clients.describe(c)), nextCursor: page.nextCursor };
  }
}
