import { createRequire } from 'node:module';

// @peculiar/x509 resolves its algorithms through tsyringe, which refuses to load without the Reflect metadata API.
// A server process that already loaded reflect-metadata keeps it (its decorators' metadata lives there); anything
// else, an SDK user's process for one, gets the small @abraham/reflection polyfill. Imported before @peculiar/x509.
if (typeof (Reflect as { getMetadata?: unknown }).getMetadata !== 'function') {
  createRequire(import.meta.url)('@abraham/reflection');
}
