import type { IncomingRequest } from './sip/sip-endpoint.js';

/** A call's SIP side as the gateway routes requests to it. */
export interface SipLeg {
  /** An in-dialog request (ACK, BYE, re-INVITE); false when it is not this leg's dialog. */
  handle(req: IncomingRequest): boolean;
  /** A CANCEL of the leg's INVITE (ingress legs only). */
  cancel?(req: IncomingRequest): void;
}

/**
 * The live SIP legs by Call-ID, bounded: past `max` a new call is refused (503) before anything is allocated for it.
 */
export class DialogRegistry {
  private readonly legs = new Map<string, SipLeg>();

  constructor(readonly max: number) {}

  get size(): number {
    return this.legs.size;
  }

  get full(): boolean {
    return this.legs.size >= this.max;
  }

  has(callId: string): boolean {
    return this.legs.has(callId);
  }

  add(callId: string, leg: SipLeg): void {
    this.legs.set(callId, leg);
  }

  remove(callId: string, leg: SipLeg): void {
    if (this.legs.get(callId) === leg) this.legs.delete(callId);
  }

  get(callId: string | undefined): SipLeg | undefined {
    return callId === undefined ? undefined : this.legs.get(callId);
  }
}
