import type { Advertisement } from '@riptrunk/ript';
import { HttpProblem, readJson, sendJson, type InboundRequest, type InboundResponse } from './http.js';
import { HANDLER_ID, parseHandlerRequest } from './requests.js';

const MAX_HANDLERS = 100;

export interface InboundHandler {
  'handler-id': string;
  advertisement: string;
  uri: string;
}

/** A handler the provider registered: its id and advertisement, parsed. */
export interface RegisteredHandler {
  id: string;
  advertisement: string;
  parsed: Advertisement;
}

/** `<tg>/handlers` and `<tg>/handlers/<id>` (profile §5): the provider's handlers, kept in memory. */
export class HandlersResource {
  private readonly handlers = new Map<string, RegisteredHandler>();

  constructor(
    /** What this TG serves (a handler must have a codec in common with it). */
    private readonly ad: Advertisement,
    /** The TG's URI (known once the server listens). */
    private readonly tgUri: () => string,
  ) {}

  get(id: string): RegisteredHandler | undefined {
    return this.handlers.get(id);
  }

  /** `GET|POST <tg>/handlers`. */
  async collection(method: string, req: InboundRequest, res: InboundResponse): Promise<void> {
    if (method === 'GET') {
      sendJson(res, 200, { handlers: [...this.handlers.values()].map((h) => this.document(h)) });
      return;
    }
    const handler = parseHandlerRequest(await readJson(req), this.ad);
    if (this.handlers.has(handler.id)) {
      throw new HttpProblem(409, 'handler-exists', `Handler ${handler.id} is already registered: update it with PUT`, {
        uri: this.uri(handler.id),
      });
    }
    if (this.handlers.size >= MAX_HANDLERS) throw tooManyHandlers();
    this.handlers.set(handler.id, handler);
    const doc = this.document(handler);
    sendJson(res, 201, doc, { location: doc.uri });
  }

  /** `GET|PUT|DELETE <tg>/handlers/<id>` (id null: the segment did not decode). */
  async item(method: string, id: string | null, req: InboundRequest, res: InboundResponse): Promise<void> {
    const existing = id !== null ? this.handlers.get(id) : undefined;
    if (method === 'PUT') {
      if (id === null || !HANDLER_ID.test(id)) throw new HttpProblem(404, 'handler-not-found', 'No such handler');
      const handler = parseHandlerRequest(await readJson(req), this.ad, id);
      if (!existing && this.handlers.size >= MAX_HANDLERS) throw tooManyHandlers();
      this.handlers.set(id, handler);
      const doc = this.document(handler);
      return sendJson(res, existing ? 200 : 201, doc, existing ? {} : { location: doc.uri });
    }
    if (!existing) throw new HttpProblem(404, 'handler-not-found', `No handler ${id ?? ''}`);
    if (method === 'GET') return sendJson(res, 200, this.document(existing));
    this.handlers.delete(existing.id);
    return sendJson(res, 204, undefined);
  }

  private uri(id: string): string {
    return `${this.tgUri()}/handlers/${encodeURIComponent(id)}`;
  }

  private document(h: { id: string; advertisement: string }): InboundHandler {
    return { 'handler-id': h.id, advertisement: h.advertisement, uri: this.uri(h.id) };
  }
}

function tooManyHandlers(): HttpProblem {
  return new HttpProblem(409, 'too-many-handlers', `This TG has ${MAX_HANDLERS} handlers already`);
}
