import type { AckFrameFields } from '../frame.js';
import { type FrameArrival, StreamStats } from '../stream-stats.js';
import { ACK_INTERVAL_MS } from './ack-cadence.js';

type StatsFrame = Parameters<StreamStats['record']>[0];

/**
 * One stream a server receives: its statistics (StreamStats) and the ack it owes (profile §7). A new frame makes an
 * ack owed; the ack is due once the last one is ACK_INTERVAL_MS old. Framework-free, no allocation per frame.
 */
export class ReceiveStream {
  /** When the last ack was taken (ms), 0 before the first. */
  lastAckAt = 0;
  /** Frames arrived since the last ack. */
  pending = false;

  constructor(readonly stats: StreamStats = new StreamStats()) {}

  /** Records a frame; a frame counted (not a duplicate or too late) makes an ack owed. */
  record(frame: StatsFrame, arrivalMs: number): FrameArrival {
    const arrival = this.stats.record(frame, arrivalMs);
    if (arrival !== 'duplicate' && arrival !== 'late') this.pending = true;
    return arrival;
  }

  /** An ack is owed and the last one is old enough. */
  ackDue(now: number): boolean {
    return this.pending && now - this.lastAckAt >= ACK_INTERVAL_MS;
  }

  /** Marks the owed ack as sent now and returns its fields (null before any frame). */
  takeAck(now: number): AckFrameFields | null {
    this.pending = false;
    this.lastAckAt = now;
    return this.stats.ack();
  }
}
