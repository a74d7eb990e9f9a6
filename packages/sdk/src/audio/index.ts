// Framework-free audio helpers for the enterprise client.
export * from './g711.js';
export * from './tone.js';
export * from './wav.js';
export * from './stats.js';
