import { edgeProblem } from '../edge-problem.js';
import { Controller, Get, Headers, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../../common/auth/current-principal.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { Scopes } from '../../common/auth/scopes.decorator.js';
import { AppConfig } from '../../common/config/app-config.js';
import { ResourceId } from '../../common/http/openapi-decorators.js';
import { ifNoneMatchHits } from '@riptrunk/ript';
import { EdgeConfigStore } from './edge-config.store.js';
import { TgDescriptionCache } from './tg-description.cache.js';

/** What Fastify sends for a serialised object; set explicitly since the body goes out as ready-made JSON text. */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** `GET <tgUri>`: the TG description, from memory, with ETag revalidation. */
@Scopes('ript:tgs', 'ript:calls')
@Controller('ript/v1/tgs')
export class TgController {
  private readonly descriptions: TgDescriptionCache;

  constructor(
    private readonly store: EdgeConfigStore,
    config: AppConfig,
  ) {
    this.descriptions = new TgDescriptionCache(store, { edge: config.edgePublicUrl, controlPlane: config.publicUrl });
  }

  /** Answers the TG description (a TgDescription) as JSON text rendered once per configuration change. */
  @Get(':tgId')
  describe(
    @ResourceId('tgId', 'trk') tgId: string,
    @CurrentPrincipal() principal: Principal,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): string | undefined {
    const trunk = this.store.trunk(tgId);
    if (!trunk || trunk.tenantId !== principal.tenantId) throw edgeProblem('tg-not-found', `No TG ${tgId}`);
    if (trunk.state !== 'active') throw edgeProblem('tg-disabled', `TG ${tgId} is disabled by the provider`);
    const { json, etag } = this.descriptions.get(trunk);
    void reply.header('etag', etag).header('cache-control', 'private, max-age=60');
    if (ifNoneMatchHits(ifNoneMatch, etag)) {
      void reply.status(304);
      return undefined;
    }
    void reply.header('content-type', JSON_CONTENT_TYPE);
    return json;
  }
}
