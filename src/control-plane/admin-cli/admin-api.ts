import { ClientError, explainNetworkError, providerAgent, UsageError } from '@riptrunk/sdk';
import { fetch } from 'undici';

/** Where the admin API is and how to trust it: --url (else RIPTRUNK_URL) and --cacert; the token from the env. */
export interface AdminTarget {
  url?: string;
  cacert?: string;
}

/** One admin API request with the operator token (RIPTRUNK_ADMIN_TOKEN); a problem answer becomes a ClientError. */
export async function adminRequest(
  target: AdminTarget,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const base = (target.url ?? process.env.RIPTRUNK_URL ?? 'https://localhost:8443').replace(/\/+$/, '');
  const token = process.env.RIPTRUNK_ADMIN_TOKEN;
  if (!token) throw new UsageError('set RIPTRUNK_ADMIN_TOKEN to the operator token');
  const agent = providerAgent(target.cacert);
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      dispatcher: agent,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch((err: unknown) => {
      throw explainNetworkError(err, base);
    });
    const parsed = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status >= 400)
      throw new ClientError(`${res.status} ${String(parsed.detail ?? parsed.title ?? '')}`, 'http', res.status);
    return parsed;
  } finally {
    await agent.close();
  }
}
