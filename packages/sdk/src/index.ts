/** The enterprise SDK: onboarding, tokens, RIPT documents, and audio helpers. No NestJS inside. */
export * from './http.js';
export * from './profile.js';
export * from './riptrunk-client.js';
export * from './call.js';
export * from './h2.js';
export * from './inbound/index.js';
export * from './certs.js';
export * from './audio/index.js';
// The command-line kit of the riptrunk CLIs (parsing, usage errors, --json output, exit codes), for riptrunk-admin.
export * from './cli/kit.js';
