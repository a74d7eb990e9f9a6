/**
 * How often receivers ack (profile §7: "Receivers ack at least every 100 ms while frames arrive"). The deadline is
 * the profile's; a server acks a stream once its last ack is ACK_INTERVAL_MS old, checked on arrival and on every
 * tick of its media clock, so an owed ack never waits longer than the deadline.
 */

/** The profile's ack deadline; the client sends its acks on a timer of this period. */
export const ACK_DEADLINE_MS = 100;

/** The media clock of a server: tone frames and acks still owed are sent on its ticks. */
export const MEDIA_TICK_MS = 20;

/** A stream is acked when frames arrived and its last ack is this old: one tick and some slack before the deadline. */
export const ACK_INTERVAL_MS = ACK_DEADLINE_MS - MEDIA_TICK_MS - 5;
