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
    readonly host: string,
  ) {
    socket.on('message', (m, from) => {
      const text = m.toString();
      this.received.push(text);
      const answer = this.answer?.(text);
      if (answer) socket.send(answer.replace(/\r?\n/g, '\r\n'), from.port, from.address);
    });
  }

  private answer?: (message: string) => string | undefined;

  /** Answers requests as they come: `answer` returns the response text (or nothing to stay silent). */
  onRequest(answer: (message: string) => string | undefined): void {
    this.answer = answer;
  }

  /** A socket on `host` (any 127/8 address is local), sending to 127.0.0.1:`target`. */
  static async open(target: number, host = '127.0.0.1', port = 0): Promise<RawSip> {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(port, host, () => r()));
    return new RawSip(socket, socket.address().port, target, host);
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

/** A response to a request as received (its Via, From, To with `toTag`, Call-ID and CSeq copied). */
export function rawResponse(request: string, status: number, reason: string, toTag = 'rawtag'): string {
  const header = (name: string) =>
    request
      .split(/\r?\n/)
      .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
      .join('\r\n');
  const to = header('To');
  return `SIP/2.0 ${status} ${reason}
${header('Via')}
${header('From')}
${/;tag=/.test(to) ? to : `${to};tag=${toTag}`}
${header('Call-ID')}
${header('CSeq')}
Content-Length: 0

`;
}
