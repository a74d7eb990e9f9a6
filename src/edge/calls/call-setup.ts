import { randomUUID } from 'node:crypto';
import type { Logger } from '@nestjs/common';
import { type Advertisement, parseAdvertisement } from '@riptrunk/ript';
import type { Principal } from '../../common/auth/principal.js';
import type { CallLimits } from '../../contracts/call-limits.js';
import type { EdgeTrunk } from '../../contracts/edge-snapshot.js';
import type { EdgeConfigStore } from '../config/edge-config.store.js';
import type { EdgeRegistry } from '../config/edge-registry.js';
import type { EdgeStirService } from '../stir/edge-stir.service.js';
import { checkCall, checkLimits, checkRequest, handlerServes, retryAfterOf, setupFailed } from './call-admission.js';
import type { CallEndings } from './call-endings.js';
import type { CallRegistry } from './call-registry.js';
import type { CallStore } from './call-store.js';
import { parseHandlerUri, type HandlerStore } from './handler-store.js';
import type { LiveCallFactory } from './live-call-factory.js';
import type { LiveCall } from './live-call.js';
import { recordOf } from './live-call-record.js';
import type { OnNetPlacement } from './onnet-placement.js';
import { orRefuse, RefusedCall } from './refused-call.js';

export interface CallSetupDeps {
  store: EdgeConfigStore;
  edges: EdgeRegistry;
  handlers: HandlerStore;
  stir: EdgeStirService;
  limits: CallLimits;
  factory: LiveCallFactory;
  registry: CallRegistry;
  endings: CallEndings;
  placement: OnNetPlacement;
  callStore: CallStore;
  logger: Logger;
}

/**
 * Sets a call up (profile §6): admission (call-admission.ts) with the look-ups it needs between its steps, the
 * limits across every edge, the STIR signature, then the route: on-net calls wait for the callee, the test lines
 * answer at once (or decline). The record in Redis shows the state the 201 leads to. Refusals throw RefusedCall.
 */
export class CallSetup {
  private readonly trunkAds = new Map<string, Advertisement>();

  constructor(private readonly d: CallSetupDeps) {}

  async admit(trunk: EdgeTrunk, principal: Principal, raw: unknown): Promise<LiveCall> {
    const { store, limits } = this.d;
    const retryAfter = retryAfterOf(store.settings.retryBackoffMs);
    const request = orRefuse(
      checkRequest({ draining: this.d.edges.state === 'draining', trunk, body: raw, retryAfter }),
    );
    const named = parseHandlerUri(request.handler);
    const handler = named && named.trunkId === trunk.id ? await this.d.handlers.get(trunk.id, named.handlerId) : null;
    const passport =
      request.passport !== undefined && handlerServes(trunk, handler)
        ? await this.d.stir.verify(request.passport, request.destination)
        : undefined;
    const plan = orRefuse(
      checkCall({
        trunk,
        trunkAd: () => this.trunkAdvertisement(trunk),
        request,
        handler,
        passport,
        tenantRanges: () => store.rangesOf(trunk.tenantId),
        onNet: store,
      }),
    );

    const id = randomUUID();
    const decision = await limits.acquire(trunk.id, id, trunk);
    const limited = checkLimits(trunk, decision, retryAfter);
    if (limited) throw new RefusedCall(limited);

    let call: LiveCall;
    try {
      // profile §10: the edge never signs an interconnect's (PSTN) caller; its PASSporT, if any, goes on as sent
      const interconnect = store.tenantKind(trunk.tenantId) === 'interconnect';
      const passport =
        request.passport ?? (interconnect ? null : await this.d.stir.signShaken(request.from, request.destination, id));
      call = this.d.factory.create({
        id,
        tenantId: trunk.tenantId,
        trunkId: trunk.id,
        clientId: principal.clientId ?? null,
        handler: request.handler,
        from: request.from,
        to: request.destination,
        passport,
        // an enterprise's call carries a PASSporT the edge signed or verified: the callee learns it passed (SHAKEN's
        // verstat, which a PBX-side gateway puts in From); an interconnect's verstat is its gateway's verdict
        ...(interconnect
          ? request.verstat !== undefined
            ? { verstat: request.verstat }
            : {}
          : { verstat: 'TN-Validation-Passed' as const }),
        ...(request['sip-call-id'] !== undefined ? { sipCallId: request['sip-call-id'] } : {}),
        directives: plan.directives,
        line: plan.line,
      });
    } catch (err) {
      await limits.release(trunk.id, id).catch(() => undefined);
      this.d.logger.error(`call setup failed: ${(err as Error).message}`);
      throw new RefusedCall(
        setupFailed(`The call could not be set up: ${(err as Error).message}`, { 'retry-after': retryAfter }),
      );
    }
    this.d.registry.track(call);
    if (plan.consumerTgs) await this.d.placement.place(call, plan.consumerTgs);
    else if (plan.line === 'declined') await this.d.endings.end(call, { kind: 'declined' });
    else call.progress('answered');
    if (!call.ended) {
      try {
        await this.d.callStore.save(recordOf(call));
      } catch (err) {
        void this.d.endings.end(call, { kind: 'failed', reason: 'edge-error' }, true);
        throw new RefusedCall(
          setupFailed(`The call could not be stored: ${(err as Error).message}`, { 'retry-after': retryAfter }),
        );
      }
    }
    return call;
  }

  private trunkAdvertisement(trunk: EdgeTrunk): Advertisement {
    let ad = this.trunkAds.get(trunk.advertisement);
    if (!ad) {
      ad = parseAdvertisement(trunk.advertisement);
      if (this.trunkAds.size > 1000) this.trunkAds.clear();
      this.trunkAds.set(trunk.advertisement, ad);
    }
    return ad;
  }
}
