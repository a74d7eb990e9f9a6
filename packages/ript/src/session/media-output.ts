/** The part of a media response a sender writes to (Http2ServerResponse, ServerResponse, a client stream, a fake). */
export interface MediaWritable {
  write(chunk: Buffer): boolean;
  end(): unknown;
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * One outgoing media stream: frames are dropped for it while it is congested, since live audio is not queued
 * (profile §7). Congestion ends when the stream drains.
 */
export class MediaOutput {
  congested = false;
  /** Frames not written because the stream was congested. */
  dropped = 0;
  private readonly onDrain = (): void => {
    this.congested = false;
  };

  constructor(readonly res: MediaWritable) {}

  /** Writes unless congested; returns whether the frame went out. */
  send(frame: Buffer): boolean {
    if (this.congested) {
      this.dropped++;
      return false;
    }
    if (!this.res.write(frame)) {
      this.congested = true;
      this.res.once('drain', this.onDrain);
    }
    return true;
  }
}
