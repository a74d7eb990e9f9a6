import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { eventually } from './wait.js';

/**
 * A bare SIP peer on UDP for tests that need what sipp scenarios cannot easily say: malformed input, retransmitted
 * INVITEs, CANCEL at a chosen moment, a flood. Messages are written by hand (so they can be wrong on purpose).
 */
export class RawSip {
  readonly received: string[] = [];
  private constructor(
    private readonly socket: Socket,
    readonly port: number,
    private readonly target: number,
  ) {
    socket.on('message', (m) => this.received.push(m.toString()));
  }

  static async open(target: number): Promise<RawSip> {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    return new RawSip(socket, socket.address().port, target);
  }

  send(text: string): void {
    this.socket.send(text.replace(/\r?\n/g, '\r\n'), this.target, '127.0.0.1');
  }

  /** The first message received (since `from`) whose first line or headers match. */
  async waitFor(pattern: RegExp, timeoutMs = 5000, from = 0): Promise<string | undefined> {
    return eventually(async () => this.received.slice(from).find((m) => pattern.test(m)), Boolean, timeoutMs, 10);
  }

  close(): void {
    this.socket.close();
  }
}

/** A dialog's ids as a caller writes them. */
export interface RawCall {
  callId: string;
  fromTag: string;
  branch: string;
  to: string;
}

export function newRawCall(to: string): RawCall {
  const id = randomBytes(6).toString('hex');
  return { callId: `${id}@raw.test`, fromTag: `f${id}`, branch: `z9hG4bK${id}`, to };
}

export const PCMU_OFFER = (rtpPort: number) => `v=0
o=- 1 1 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio ${rtpPort} RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
`;

/** An INVITE (or another request of the call's first transaction: CANCEL uses the INVITE's branch). */
export function rawRequest(
  method: string,
  call: RawCall,
  port: number,
  o: { body?: string; cseq?: number; toTag?: string; branch?: string; uri?: string } = {},
): string {
  const body = (o.body ?? '').replace(/\r?\n/g, '\r\n');
  return `${method} ${o.uri ?? `sip:${call.to}@127.0.0.1`} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${port};branch=${o.branch ?? call.branch};rport
From: <sip:+442071838700@127.0.0.1:${port}>;tag=${call.fromTag}
To: <sip:${call.to}@127.0.0.1>${o.toTag ? `;tag=${o.toTag}` : ''}
Call-ID: ${call.callId}
CSeq: ${o.cseq ?? 1} ${method}
Contact: <sip:raw@127.0.0.1:${port}>
Max-Forwards: 70
${body ? 'Content-Type: application/sdp\n' : ''}Content-Length: ${Buffer.byteLength(body)}

${o.body ?? ''}`;
}

/** The To tag of a response. */
export function toTagOf(response: string): string | undefined {
  return /^To:.*;tag=([^;\s]+)/im.exec(response)?.[1];
}
