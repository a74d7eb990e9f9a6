/** The enterprise SDK: onboarding, tokens, RIPT documents, and audio helpers. No NestJS inside. */
export * from './http.js';
export * from './profile.js';
export * from './riptrunk-client.js';
export * from './call.js';
export * from './h2.js';
export * from './inbound/index.js';
export * from './certs.js';
export * from './audio/index.js';
