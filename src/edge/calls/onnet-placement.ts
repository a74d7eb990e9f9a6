import type { EdgeConsumerTg } from '../../contracts/edge-snapshot.js';
import { refusal, setupFailed, type CallRefusal } from './call-admission.js';
import type { CallEndings } from './call-endings.js';
import type { CallStore } from './call-store.js';
import type { LiveCall } from './live-call.js';
import { recordOf } from './live-call-record.js';
import { OnNetRefusal, type OnNetDialer } from './onnet-leg.js';
import { RefusedCall } from './refused-call.js';

/** The caller's answer when the callee's consumer TG refused the call or could not be reached. */
function onNetRefusal(err: unknown, destination: string): CallRefusal {
  if (!(err instanceof OnNetRefusal)) return setupFailed(`The call could not be placed: ${(err as Error).message}`);
  const outcome = err.status === 409 ? 'no-common-codec' : 'unreachable';
  return refusal(outcome, err.code, err.message, { destination }, err.headers);
}

/** Places the callee's leg of on-net calls (profile §6 routing) and relays its progress to the caller's call. */
export class OnNetPlacement {
  constructor(
    private readonly dialer: OnNetDialer,
    private readonly callStore: CallStore,
    private readonly endings: CallEndings,
  ) {}

  /**
   * Places the leg at the first of the callee's consumer TGs that can be reached (the next one is tried when one
   * cannot); a refusal undoes the call and becomes the caller's answer (thrown as RefusedCall).
   */
  async place(call: LiveCall, tgs: EdgeConsumerTg[]): Promise<void> {
    const failures: string[] = [];
    for (let i = 0; ; i++) {
      try {
        await this.placeAt(call, tgs[i]);
        return;
      } catch (err) {
        // unreachable (connect error, timeout) or a 5xx: the next candidate; any other answer is final
        const unreachable = err instanceof OnNetRefusal && err.code === 'callee-unreachable';
        if (unreachable) failures.push(err.message);
        if (!unreachable || i + 1 >= tgs.length) {
          const answer =
            unreachable && failures.length > 1
              ? refusal(
                  'unreachable',
                  'callee-unreachable',
                  `None of the ${failures.length} consumer TGs for ${call.to} took the call: ${failures.join('; ')}`,
                  { destination: call.to },
                  err.headers,
                )
              : onNetRefusal(err, call.to);
          this.endings.abandon(call);
          throw new RefusedCall(answer);
        }
      }
    }
  }

  close(): void {
    this.dialer.close();
  }

  private async placeAt(call: LiveCall, tg: EdgeConsumerTg): Promise<void> {
    const leg = await this.dialer.place(
      tg,
      {
        from: call.from,
        to: call.to,
        passport: call.passport,
        verstat: call.verstat,
        sipCallId: call.sipCallId,
        directives: call.directives,
      },
      {
        progress: (state) => {
          if (call.ended) return;
          call.progress(state);
          void this.callStore.save(recordOf(call)).catch(() => undefined);
        },
        sip: ({ callId, status }) => {
          if (call.ended) return;
          if (callId !== undefined) call.sipCallId ??= callId;
          if (status !== undefined) call.sipStatus = status;
        },
        finished: (outcome, sipStatus) => {
          if (sipStatus !== undefined && !call.ended) call.sipStatus = sipStatus;
          void this.endings.end(call, outcome);
        },
        media: (index, frame) => call.media.relay(index, frame),
      },
    );
    call.leg = leg;
    call.callee = { uri: leg.uri, consumerTgId: tg.id, tenantId: tg.tenantId, trunkId: tg.trunkId };
    call.media.farEnd = leg;
    if (call.ended) leg.hangup(call.reason ?? 'normal');
  }
}
