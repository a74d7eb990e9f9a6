/** The enterprise's consumer TG: an inbound RIPT server for the calls the provider delivers. */
export * from './inbound-call.js';
export * from './server.js';
export { HttpProblem } from './http.js';
