import type { InboundCall } from './inbound-call.js';
import { bearerOf, HttpProblem, type InboundRequest, type InboundResponse } from './http.js';

/** What the router dispatches to: the server's resources. */
export interface InboundResources {
  tg(req: InboundRequest, res: InboundResponse): void;
  handlers(method: string, req: InboundRequest, res: InboundResponse): Promise<void>;
  handler(method: string, id: string | null, req: InboundRequest, res: InboundResponse): Promise<void>;
  postCall(req: InboundRequest, res: InboundResponse): Promise<void>;
  call(id: string): InboundCall | undefined;
  getCall(call: InboundCall, res: InboundResponse): void;
  events(method: string, call: InboundCall, req: InboundRequest, res: InboundResponse): void;
  media(method: string, call: InboundCall, req: InboundRequest, res: InboundResponse): void;
}

/**
 * Routes a request under the TG path to its resource: the bearer token first (401), then the path (404) and the
 * method (405 with Allow). Every refusal is thrown as HttpProblem.
 */
export class InboundRouter {
  constructor(
    private readonly tgPath: string,
    /** True when the presented bearer token is one the server accepts now. */
    private readonly accepts: (presented: string | undefined) => boolean,
    private readonly to: InboundResources,
  ) {}

  async route(req: InboundRequest, res: InboundResponse): Promise<void> {
    if (!this.accepts(bearerOf(req.headers.authorization))) {
      throw new HttpProblem(
        401,
        'unauthorized',
        'a valid bearer token is required',
        {},
        { 'www-authenticate': 'Bearer realm="ript"' },
      );
    }
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    const tg = this.tgPath;
    if (path === tg) return allow(method, ['GET'], () => this.to.tg(req, res));
    if (path === `${tg}/handlers`) return allow(method, ['GET', 'POST'], () => this.to.handlers(method, req, res));
    if (path.startsWith(`${tg}/handlers/`)) {
      const id = decodeSegment(path.slice(tg.length + '/handlers/'.length));
      return allow(method, ['GET', 'PUT', 'DELETE'], () => this.to.handler(method, id, req, res));
    }
    if (path === `${tg}/calls`) return allow(method, ['POST'], () => this.to.postCall(req, res));
    const m = path.startsWith(`${tg}/`) ? /^\/calls\/([^/]+)(\/events|\/media)?$/.exec(path.slice(tg.length)) : null;
    if (!m) throw new HttpProblem(404, 'not-found', `No resource at ${path}`);
    const call = this.to.call(m[1]);
    if (!call) throw new HttpProblem(404, 'call-not-found', `No call ${m[1]}`);
    if (!m[2]) {
      if (method === 'DELETE') {
        throw new HttpProblem(
          405,
          'method-not-allowed',
          'End a call by sending an end event on PUT <call>/events',
          {},
          { allow: 'GET' },
        );
      }
      return allow(method, ['GET'], () => this.to.getCall(call, res));
    }
    return allow(method, ['GET', 'PUT'], () =>
      m[2] === '/events' ? this.to.events(method, call, req, res) : this.to.media(method, call, req, res),
    );
  }
}

async function allow(method: string, allowed: string[], run: () => unknown): Promise<void> {
  if (!allowed.includes(method)) {
    throw new HttpProblem(
      405,
      'method-not-allowed',
      `${method} is not allowed here`,
      {},
      { allow: allowed.join(', ') },
    );
  }
  await run();
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
