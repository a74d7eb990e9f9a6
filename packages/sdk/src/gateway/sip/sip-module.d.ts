/** Types for the `sip` package (kirm/sip.js, CommonJS, no types of its own): what the gateway uses of it. */
declare module 'sip' {
  namespace sip {
    interface SipUri {
      schema?: string;
      user?: string;
      password?: string;
      host: string;
      port?: number;
      params: Record<string, string | null | undefined>;
      headers?: Record<string, string>;
    }
    interface NameAddr {
      name?: string;
      uri: string;
      params: Record<string, string | null | undefined>;
    }
    interface Via {
      version?: string;
      protocol?: string;
      host?: string;
      port?: number;
      params: Record<string, string | number | null | undefined>;
    }
    interface SipHeaders {
      via?: Via[];
      to?: NameAddr;
      from?: NameAddr;
      'call-id'?: string;
      cseq?: { seq: number; method: string };
      contact?: NameAddr[] | '*';
      route?: NameAddr[];
      'record-route'?: NameAddr[];
      'content-type'?: string;
      'content-length'?: number;
      [name: string]: unknown;
    }
    interface SipRequest {
      method: string;
      uri: string;
      version?: string;
      headers: SipHeaders;
      content?: string;
    }
    interface SipResponse {
      status: number;
      reason: string;
      version?: string;
      headers: SipHeaders;
      content?: string;
    }
    type SipMessage = SipRequest | SipResponse;
    interface Remote {
      protocol: string;
      address: string;
      port: number;
      local?: { address: string; port: number };
    }
    interface StackOptions {
      port?: number;
      address?: string;
      publicAddress?: string;
      udp?: boolean;
      tcp?: boolean;
      maxBytesHeaders?: number;
      maxContentLength?: number;
    }
    /** One transport connection (a UDP destination or a TCP flow). */
    interface Connection {
      send(m: SipMessage): void;
      release(): void;
      protocol: string;
    }
    interface Transport {
      open(target: Remote, onError?: (err: unknown) => void): Connection;
      get(target: Remote, onError?: (err: unknown) => void): Connection | undefined;
      destroy(): void;
    }
    interface ServerTransaction {
      send(m: SipResponse): void;
      message?(m: SipMessage, remote?: Remote): void;
    }
    interface ClientTransaction {
      message(m: SipMessage, remote?: Remote): void;
    }
    interface TransactionLayer {
      createServerTransaction(rq: SipRequest, cn: Connection): ServerTransaction;
      createClientTransaction(cn: Connection, rq: SipRequest, callback: (rs: SipResponse) => void): ClientTransaction;
      getServer(m: SipMessage): ServerTransaction | undefined;
      getClient(m: SipMessage): ClientTransaction | undefined;
      destroy(): void;
    }
    function makeTransport(options: StackOptions, callback: (m: SipMessage, remote: Remote) => void): Transport;
    function makeTransactionLayer(
      options: StackOptions,
      open: (target: Remote, onError?: (err: unknown) => void) => Connection,
    ): TransactionLayer;
    function makeResponse(rq: SipRequest, status: number, reason?: string): SipResponse;
    function parseUri(s: string): SipUri | undefined;
    function generateBranch(): string;
  }
  export = sip;
}
