import pg from 'pg';

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

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

/** Creates the database named in the URL if it does not exist yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    throw new DependencyUnavailableError(
      'Postgres',
      describeUrl(url),
      (err as Error).message || String((err as NodeJS.ErrnoException).code),
    );
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created concurrently
      });
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(databaseName(url))} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
