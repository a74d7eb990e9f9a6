import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates } from 'node:tls';
import { Agent } from 'undici';
import type { ProblemSlug } from '@riptrunk/ript';

/** What a refused request's problem+json said, beyond its status. */
export interface ProblemDetails {
  /** The riptrunk problem slug, when the type is one of the registry's. */
  slug?: ProblemSlug | null;
  /** The Retry-After header of the refusal. */
  retryAfter?: string | null;
}

export class ClientError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status?: number,
    readonly problem: ProblemDetails = {},
  ) {
    super(message);
    this.name = 'ClientError';
  }
}

/**
 * An HTTP/2 agent trusting the system CAs and, when given, the provider's CA file (never disabling checks). Its
 * connections share one TLS secure context: given `ca` instead, every new connection would parse the ~150 system
 * roots again (milliseconds of CPU each), and undici opens one per concurrent POST (a gateway's setups).
 */
export function providerAgent(caFile?: string): Agent {
  const ca = [...rootCertificates];
  if (caFile) {
    try {
      ca.push(readFileSync(caFile, 'utf8'));
    } catch (err) {
      throw new ClientError(`cannot read --cacert ${caFile}: ${(err as NodeJS.ErrnoException).code}`, 'cacert');
    }
  }
  const secureContext = createSecureContext({ ca });
  return new Agent({ allowH2: true, connect: { secureContext, timeout: 10_000 }, headersTimeout: 30_000 });
}

/** Turns low-level connection failures into one-line messages an operator can act on. */
export function explainNetworkError(err: unknown, url: string): ClientError {
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = e.cause?.code ?? e.code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
    return new ClientError(
      `${url}: the provider's TLS certificate is not trusted (${code}); pass its CA with --cacert`,
      'tls',
    );
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new ClientError(`${url}: the provider is unreachable (${code})`, 'unreachable');
  }
  return new ClientError(`${url}: ${e.cause?.message ?? e.message}`, 'network');
}
