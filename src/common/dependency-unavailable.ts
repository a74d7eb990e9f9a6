// No driver imports here: every process (the edge has no Postgres) reports unreachable dependencies with it.
export class DependencyUnavailableError extends Error {
  constructor(
    readonly service: 'Postgres' | 'Redis',
    readonly where: string,
    reason: string,
  ) {
    super(
      `${service} is not reachable at ${where} (${reason}). Start it with \`docker compose up -d postgres redis\`` +
        ` or set ${service === 'Postgres' ? 'DATABASE_URL' : 'REDIS_URL'}.`,
    );
    this.name = 'DependencyUnavailableError';
  }
}

/** host:port/db of a connection URL, without credentials. */
export function describeUrl(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol.startsWith('redis') ? 6379 : 5432)}${u.pathname === '/' ? '' : u.pathname}`;
}
