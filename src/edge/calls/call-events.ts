import { EventStreamWriter, type RiptEvent } from '@riptrunk/ript';

/** The part of a GET events response the hub uses. */
export interface EventWritable {
  write(chunk: string): boolean;
  end(): unknown;
}

class EventOutput {
  readonly writer = new EventStreamWriter();
  constructor(readonly res: EventWritable) {}
}

/**
 * The events streams of one call (profile §6): every GET stream gets the current state first, then every event;
 * PUT streams are counted so that a call with no events stream at all can be ended after a grace period.
 */
export class CallEvents {
  private readonly outputs = new Set<EventOutput>();
  private inputs = 0;
  /** Since when no events stream (GET or PUT) is open; null while one is. */
  idleSince: number | null;

  constructor(now: number) {
    this.idleSince = now;
  }

  get getStreams(): number {
    return this.outputs.size;
  }

  get putStreams(): number {
    return this.inputs;
  }

  /** Opens a GET stream with the events that describe the current state; returns a handle for removeOutput. */
  addOutput(res: EventWritable, current: readonly RiptEvent[]): object {
    const output = new EventOutput(res);
    let chunk = output.writer.open();
    for (const event of current) chunk += output.writer.write(event);
    res.write(chunk);
    this.outputs.add(output);
    this.idleSince = null;
    return output;
  }

  removeOutput(handle: object, now: number): void {
    if (this.outputs.delete(handle as EventOutput)) this.updateIdle(now);
  }

  addInput(): void {
    this.inputs++;
    this.idleSince = null;
  }

  removeInput(now: number): void {
    this.inputs = Math.max(0, this.inputs - 1);
    this.updateIdle(now);
  }

  private updateIdle(now: number): void {
    if (this.outputs.size === 0 && this.inputs === 0 && this.idleSince === null) this.idleSince = now;
  }

  /** Sends an event on every GET stream; returns how many got it. */
  broadcast(event: RiptEvent): number {
    for (const output of this.outputs) output.res.write(output.writer.write(event));
    return this.outputs.size;
  }

  /** Sends the final events, closes the arrays and ends every GET stream; returns how many got them. */
  close(final: readonly RiptEvent[]): number {
    const delivered = this.outputs.size;
    for (const output of this.outputs) {
      let chunk = '';
      for (const event of final) chunk += output.writer.write(event);
      output.res.write(chunk + output.writer.close());
      output.res.end();
    }
    this.outputs.clear();
    return delivered;
  }
}
