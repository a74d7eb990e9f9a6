import {
  type Advertisement,
  AdvertisementError,
  CALL_REQUEST_FIELDS,
  type CallRequest,
  callRequestErrors,
  computeDirectives,
  type DirectiveSet,
  NoCommonCodecError,
  parseAdvertisement,
} from '@riptrunk/ript';
import { HttpProblem, jsonObject, unknownFields, type FieldError } from './http.js';

/** Handler ids are URI path segments: unreserved characters only (as on the edge). */
export const HANDLER_ID = /^[A-Za-z0-9._~-]{1,64}$/;
export const MAX_ADVERTISEMENT_LENGTH = 4096;

export interface HandlerRequest {
  id: string;
  advertisement: string;
  parsed: Advertisement;
}

/** Parses an advertisement field, or a 400 naming the position of the error (profile §5). */
export function parseAdvertisementField(value: unknown): Advertisement {
  if (typeof value !== 'string' || value.length === 0) {
    throw HttpProblem.validation([{ pointer: '#/advertisement', detail: 'advertisement must be a string' }]);
  }
  if (value.length > MAX_ADVERTISEMENT_LENGTH) {
    throw HttpProblem.validation([
      { pointer: '#/advertisement', detail: `advertisement must be at most ${MAX_ADVERTISEMENT_LENGTH} characters` },
    ]);
  }
  try {
    return parseAdvertisement(value);
  } catch (err) {
    if (!(err instanceof AdvertisementError)) throw err;
    throw new HttpProblem(400, 'advertisement-syntax', `advertisement does not parse: ${err.message}`, {
      position: err.position,
      errors: [{ pointer: '#/advertisement', detail: err.message }],
    });
  }
}

/** Directives for a handler against this TG's advertisement; `status` for a handler it cannot serve. */
export function directivesFor(handler: Advertisement, tg: Advertisement, status: 400 | 409): DirectiveSet {
  try {
    return computeDirectives(handler, tg, { secondaryCodecs: true });
  } catch (err) {
    if (!(err instanceof NoCommonCodecError)) throw err;
    throw new HttpProblem(status, 'no-common-codec', err.message, {
      errors: [{ pointer: '#/advertisement', detail: err.message }],
    });
  }
}

/** The body of `POST <tg>/handlers` or `PUT <tg>/handlers/<id>` (`pathId` for PUT). */
export function parseHandlerRequest(raw: unknown, tg: Advertisement, pathId?: string): HandlerRequest {
  const body = jsonObject(raw);
  const errors = unknownFields(body, ['handler-id', 'advertisement']);
  const id = body['handler-id'] ?? pathId;
  if (pathId !== undefined && body['handler-id'] !== undefined && body['handler-id'] !== pathId) {
    errors.push({ pointer: '#/handler-id', detail: 'handler-id must match the handler URI' });
  } else if (typeof id !== 'string' || !HANDLER_ID.test(id)) {
    errors.push({ pointer: '#/handler-id', detail: 'handler-id must be 1-64 characters of A-Z a-z 0-9 . _ ~ -' });
  }
  if (errors.length) throw HttpProblem.validation(errors);
  const parsed = parseAdvertisementField(body.advertisement);
  directivesFor(parsed, tg, 400);
  return { id: id as string, advertisement: body.advertisement as string, parsed };
}

/** The body of `POST <tg>/calls` (profile §6). */
export function parseCallRequest(raw: unknown): CallRequest {
  const body = jsonObject(raw);
  const errors: FieldError[] = [...unknownFields(body, CALL_REQUEST_FIELDS), ...callRequestErrors(body)];
  if (errors.length) throw HttpProblem.validation(errors);
  return body as unknown as CallRequest;
}

/** The handler id a handler URI names under `handlersPath`, or null (only the path counts). */
export function handlerIdOf(uri: string, handlersPath: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || url.search || url.hash) return null;
  if (!url.pathname.startsWith(`${handlersPath}/`)) return null;
  const segment = url.pathname.slice(handlersPath.length + 1);
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    return null;
  }
  return HANDLER_ID.test(id) ? id : null;
}
