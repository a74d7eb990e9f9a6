/** SIP interworking (profile §10): SDP, RTP/RTCP, RFC 4733, SIP outcomes, numbers, Identity. `@riptrunk/ript/sip`. */
export * from './rtp.js';
export * from './sdp.js';
export * from './sip-outcomes.js';
export * from './sip-numbers.js';
export * from './rtcp.js';
export * from './rfc4733.js';
export * from './identity-header.js';
