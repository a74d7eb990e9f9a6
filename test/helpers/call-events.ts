import type { RiptCall } from '@riptrunk/sdk';
import type { RiptEvent } from '@riptrunk/ript';

/** Collects a call's server events as they come; `done` settles when the events stream ends. */
export function collect(call: RiptCall): { events: RiptEvent[]; done: Promise<void> } {
  const events: RiptEvent[] = [];
  const done = (async () => {
    for await (const e of call.events()) events.push(e);
  })().catch(() => undefined);
  return { events, done };
}
