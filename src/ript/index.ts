export * from './advertisement.js';
export * from './codecs.js';
export * from './directives.js';
export * from './documents.js';
export * from './events.js';
export * from './frame.js';
export * from './number-pattern.js';
export * from './stream-stats.js';
