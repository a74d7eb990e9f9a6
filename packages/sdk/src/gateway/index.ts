/** The SIP⇄RIPT gateway's pieces (issue 12): RTP ports, endpoints and the media bridge. */
export * from './rtp/port-pool.js';
export * from './rtp/rtp-endpoint.js';
export * from './rtp/media-bridge.js';
export * from './gateway.js';
export * from './gateway-context.js';
export * from './call-log.js';
export * from './identity.js';
export * from './media/gateway-media.js';
export * from './sip/sip-addresses.js';
export * from './numbers.js';
export * from './sip/source-allow-list.js';
export * from './sip/options-ping.js';
