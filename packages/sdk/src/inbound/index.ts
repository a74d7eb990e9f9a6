/** The enterprise's consumer TG: an inbound RIPT server for the calls the provider delivers. */
export * from './inbound-call.js';
export * from './server.js';
export { HttpProblem } from './http.js';
/** The SDK's earlier names for the ack cadence and the frame size limit (one copy, in @riptrunk/ript). */
export { ACK_INTERVAL_MS, DEFAULT_MAX_FRAME_SIZE as MAX_FRAME_SIZE } from '@riptrunk/ript';
