import { edgeProblem } from '../edge-problem.js';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../../common/auth/current-principal.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { Scopes } from '../../common/auth/scopes.decorator.js';
import { ResourceId } from '../../common/http/openapi-decorators.js';
import { ProblemException, type FieldError } from '../../common/http/problem.js';
import {
  type Advertisement,
  AdvertisementError,
  computeDirectives,
  NoCommonCodecError,
  parseAdvertisement,
  problemDocument,
} from '@riptrunk/ript';
import { EdgeConfigStore } from '../config/edge-config.store.js';
import type { EdgeTrunk } from '../../contracts/edge-snapshot.js';
import {
  HANDLER_ID,
  HandlerStore,
  MAX_ADVERTISEMENT_LENGTH,
  MAX_HANDLERS_PER_TG,
  type StoredHandler,
} from './handler-store.js';
import { assertTrunkActive, jsonObject, ownTrunk, unknownFields } from './tg-access.js';

export interface HandlerDocument {
  'handler-id': string;
  advertisement: string;
  uri: string;
}

/** Parses an advertisement from a request, or a 400 naming the position of the error. */
export function parseAdvertisementField(value: unknown): Advertisement {
  if (typeof value !== 'string' || value.length === 0) {
    throw ProblemException.validation([{ pointer: '#/advertisement', detail: 'advertisement must be a string' }]);
  }
  if (value.length > MAX_ADVERTISEMENT_LENGTH) {
    throw ProblemException.validation([
      { pointer: '#/advertisement', detail: `advertisement must be at most ${MAX_ADVERTISEMENT_LENGTH} characters` },
    ]);
  }
  try {
    return parseAdvertisement(value);
  } catch (err) {
    if (!(err instanceof AdvertisementError)) throw err;
    throw new ProblemException(
      problemDocument('advertisement-syntax', `advertisement does not parse: ${err.message}`, {
        position: err.position,
        errors: [{ pointer: '#/advertisement', detail: err.message }],
      }),
    );
  }
}

/** A handler that the TG cannot serve in some direction is refused when it registers. */
function assertServable(ad: Advertisement, trunk: EdgeTrunk): void {
  try {
    computeDirectives(ad, parseAdvertisement(trunk.advertisement));
  } catch (err) {
    if (!(err instanceof NoCommonCodecError)) throw err;
    // profile §5: a handler that cannot be registered is a malformed request (400), while a call whose handler and
    // TG share no codec is a conflict (409, the registered status of the kind)
    const errors = [{ pointer: '#/advertisement', detail: err.message }];
    throw new ProblemException({ ...problemDocument('no-common-codec', err.message, { errors }), status: 400 });
  }
}

/** Handlers of a TG (profile §5), stored in Redis so that every edge sees them. */
@Scopes('ript:calls')
@Controller('ript/v1/tgs/:tgId/handlers')
export class HandlersController {
  constructor(
    private readonly store: EdgeConfigStore,
    private readonly handlers: HandlerStore,
  ) {}

  private document(h: StoredHandler): HandlerDocument {
    return {
      'handler-id': h.handlerId,
      advertisement: h.advertisement,
      uri: this.handlers.uri(h.trunkId, h.handlerId),
    };
  }

  private async own(tgId: string, handlerId: string, principal: Principal): Promise<StoredHandler> {
    const trunk = ownTrunk(this.store, tgId, principal);
    const handler = HANDLER_ID.test(handlerId) ? await this.handlers.get(trunk.id, handlerId) : null;
    if (!handler || handler.tenantId !== trunk.tenantId) {
      throw edgeProblem('handler-not-found', `No handler ${handlerId} on TG ${tgId}`);
    }
    return handler;
  }

  @Get()
  async list(
    @ResourceId('tgId', 'trk') tgId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ handlers: HandlerDocument[] }> {
    const trunk = ownTrunk(this.store, tgId, principal);
    return { handlers: (await this.handlers.list(trunk.id)).map((h) => this.document(h)) };
  }

  @Post()
  async create(
    @ResourceId('tgId', 'trk') tgId: string,
    @CurrentPrincipal() principal: Principal,
    @Body() raw: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<HandlerDocument> {
    const trunk = ownTrunk(this.store, tgId, principal);
    const body = jsonObject(raw);
    const errors: FieldError[] = unknownFields(body, ['handler-id', 'advertisement']);
    const handlerId = body['handler-id'];
    if (typeof handlerId !== 'string' || !HANDLER_ID.test(handlerId)) {
      errors.push({ pointer: '#/handler-id', detail: 'handler-id must be 1-64 characters of A-Z a-z 0-9 . _ ~ -' });
    }
    if (errors.length) throw ProblemException.validation(errors);
    assertTrunkActive(trunk);
    const ad = parseAdvertisementField(body.advertisement);
    assertServable(ad, trunk);
    if ((await this.handlers.count(trunk.id)) >= MAX_HANDLERS_PER_TG) {
      throw edgeProblem('too-many-handlers', `TG ${tgId} has ${MAX_HANDLERS_PER_TG} handlers already`);
    }
    const now = new Date().toISOString();
    const handler: StoredHandler = {
      handlerId: handlerId as string,
      tenantId: trunk.tenantId,
      trunkId: trunk.id,
      advertisement: body.advertisement as string,
      createdAt: now,
      updatedAt: now,
    };
    if (!(await this.handlers.create(handler))) {
      throw edgeProblem(
        'handler-exists',
        `Handler ${handler.handlerId} is already registered on TG ${tgId}: update it with PUT`,
        { uri: this.handlers.uri(trunk.id, handler.handlerId) },
      );
    }
    const doc = this.document(handler);
    void reply.status(201).header('location', doc.uri);
    return doc;
  }

  @Get(':handlerId')
  async get(
    @ResourceId('tgId', 'trk') tgId: string,
    @Param('handlerId') handlerId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<HandlerDocument> {
    return this.document(await this.own(tgId, handlerId, principal));
  }

  /** Replaces the handler's advertisement, or registers it under this id (201). */
  @Put(':handlerId')
  async put(
    @ResourceId('tgId', 'trk') tgId: string,
    @Param('handlerId') handlerId: string,
    @CurrentPrincipal() principal: Principal,
    @Body() raw: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<HandlerDocument> {
    const trunk = ownTrunk(this.store, tgId, principal);
    if (!HANDLER_ID.test(handlerId)) throw edgeProblem('handler-not-found', `No handler ${handlerId}`);
    const body = jsonObject(raw);
    const errors = unknownFields(body, ['handler-id', 'advertisement']);
    if (body['handler-id'] !== undefined && body['handler-id'] !== handlerId) {
      errors.push({ pointer: '#/handler-id', detail: 'handler-id must match the handler URI' });
    }
    if (errors.length) throw ProblemException.validation(errors);
    assertTrunkActive(trunk);
    const ad = parseAdvertisementField(body.advertisement);
    assertServable(ad, trunk);
    const existing = await this.handlers.get(trunk.id, handlerId);
    if (!existing && (await this.handlers.count(trunk.id)) >= MAX_HANDLERS_PER_TG) {
      throw edgeProblem('too-many-handlers', `TG ${tgId} has ${MAX_HANDLERS_PER_TG} handlers already`);
    }
    const now = new Date().toISOString();
    const handler: StoredHandler = {
      handlerId,
      tenantId: trunk.tenantId,
      trunkId: trunk.id,
      advertisement: body.advertisement as string,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    await this.handlers.put(handler);
    const doc = this.document(handler);
    if (!existing) void reply.status(201).header('location', doc.uri);
    return doc;
  }

  @Delete(':handlerId')
  @HttpCode(204)
  async remove(
    @ResourceId('tgId', 'trk') tgId: string,
    @Param('handlerId') handlerId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    const handler = await this.own(tgId, handlerId, principal);
    await this.handlers.delete(handler.trunkId, handler.handlerId);
  }
}
