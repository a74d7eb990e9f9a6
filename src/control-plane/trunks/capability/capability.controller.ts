import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../../../common/auth/current-principal.decorator.js';
import type { Principal } from '../../../common/auth/principal.js';
import { Public } from '../../../common/auth/public.decorator.js';
import { Scopes } from '../../../common/auth/scopes.decorator.js';
import { AppConfig } from '../../../common/config/app-config.js';
import { ApiProblems, ResourceId } from '../../../common/http/openapi-decorators.js';
import { ProblemException } from '../../../common/http/problem.js';
import { CAPABILITY_PATH } from './capability-document.js';
import { ifNoneMatchHits } from '@riptrunk/ript';
import { CapabilityService, representationEtag } from './capability.service.js';
import { JSON_TYPE, negotiateCapabilityType, YANG_DATA_JSON_TYPE } from './content-negotiation.js';
import { JRD_TYPE, SIP_TRUNKING_CAPABILITY, trunkIdOfResource, trunkJrd } from './webfinger.js';

/** Which tenant's trunks a principal may read: its own (enterprise token), or any (carrier, scope admin). */
function tenantScope(principal: Principal): { tenantId?: string } {
  if (principal.tenantId) return { tenantId: principal.tenantId };
  if (principal.scopes.has('admin')) return {};
  throw ProblemException.of('not-a-tenant', 'This route is for enterprise tokens (or the carrier, scope admin)');
}

/**
 * SIP capability set documents (RFC 10006, YANG module ietf-sip-auto-peering) for enterprises whose SBCs speak
 * SIP rather than RIPT: the trunk's configuration, in the model's terms.
 */
@ApiTags('capability')
@ApiBearerAuth()
@Scopes('trunk:read', 'admin')
@Controller(CAPABILITY_PATH)
export class CapabilityController {
  constructor(private readonly capability: CapabilityService) {}

  @Get(':trunkId')
  @ApiOperation({
    summary: "A trunk's SIP capability set document (ietf-sip-auto-peering, RFC 7951 JSON)",
    description:
      'application/json by default (RFC 10006); application/yang-data+json when the Accept header prefers it. ' +
      'Sends a strong ETag and answers If-None-Match with 304.',
  })
  @ApiProduces(JSON_TYPE, YANG_DATA_JSON_TYPE)
  @ApiHeader({ name: 'If-None-Match', required: false })
  @ApiOkResponse({ description: 'The capability set document' })
  @ApiProblems(401, 403, 404, 406)
  async get(
    @CurrentPrincipal() principal: Principal,
    @ResourceId('trunkId', 'trk') trunkId: string,
    @Headers('accept') accept: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { tenantId } = tenantScope(principal);
    const mediaType = negotiateCapabilityType(accept);
    if (!mediaType) {
      throw ProblemException.of(
        'not-acceptable',
        `Capability set documents are ${JSON_TYPE} or ${YANG_DATA_JSON_TYPE}`,
      );
    }
    const body = JSON.stringify(await this.capability.document(trunkId, tenantId));
    const etag = representationEtag(mediaType, body);
    void reply.header('etag', etag).header('cache-control', 'private, max-age=60').header('vary', 'accept');
    if (ifNoneMatchHits(ifNoneMatch, etag)) {
      await reply.status(304).send();
      return;
    }
    await reply.status(200).header('content-type', mediaType).send(body);
  }
}

/** WebFinger (RFC 7033), for the `sip-trunking-capability` relation (RFC 9409) only. Anonymous, as RFC 7033 wants. */
@ApiTags('capability')
@Public()
@Controller('.well-known/webfinger')
export class WebFingerController {
  constructor(
    private readonly capability: CapabilityService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary: "Discover a trunk's capability set document",
    description: `resource: acct:<trunkId>@<control-plane host> or the capability URL; rel: ${SIP_TRUNKING_CAPABILITY}`,
  })
  @ApiQuery({ name: 'resource', required: true })
  @ApiQuery({ name: 'rel', required: false, isArray: true })
  @ApiProduces(JRD_TYPE)
  @ApiOkResponse({ description: 'JRD' })
  @ApiProblems(400, 404)
  async webfinger(
    @Query('resource') resource: unknown,
    @Query('rel') rel: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    // RFC 7033 section 5: WebFinger resources are for browsers too.
    void reply.header('access-control-allow-origin', '*');
    if (typeof resource !== 'string' || resource === '') {
      throw ProblemException.of('bad-request', 'The query needs exactly one resource parameter', {
        errors: [{ pointer: '#/resource', detail: 'resource is required, once' }],
      });
    }
    const rels = (Array.isArray(rel) ? rel : rel === undefined ? [] : [rel]).filter(
      (r): r is string => typeof r === 'string',
    );
    const trunkId = trunkIdOfResource(resource, this.config.publicUrl);
    if (!trunkId || !(await this.capability.discoverable(trunkId))) {
      throw ProblemException.of('resource-not-found', `No WebFinger resource ${resource}`);
    }
    void reply.header('content-type', JRD_TYPE);
    return JSON.stringify(trunkJrd(resource, trunkId, this.config.publicUrl, rels));
  }
}
