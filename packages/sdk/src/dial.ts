import { encodeUlaw, decodeUlaw, type ToneGenerator } from './audio/index.js';
import type { MediaStatsSnapshot } from './audio/stats.js';
import { ClientError } from './http.js';
import type { RiptTrunkClient } from './riptrunk-client.js';

const FRAME_SAMPLES = 160; // 20 ms at 8 kHz
const HANDLER_ID = 'riptrunk-cli';

export interface DialSummary {
  uri: string;
  outcome: string;
  stats: MediaStatsSnapshot;
  recorded: Int16Array;
}

/**
 * Places a call through the first TG, sends `seconds` of audio (a tone or 8 kHz PCM) as 20 ms PCMU frames on the
 * real-time clock, records what comes back, and ends the call.
 */
export async function placeAndPlay(
  client: RiptTrunkClient,
  destination: string,
  from: string | undefined,
  source: ToneGenerator | Int16Array,
  seconds: number,
  progress: (line: string) => void,
): Promise<DialSummary> {
  const [listed] = await client.providerTgs();
  if (!listed) throw new ClientError('your provider has no trunk for you yet', 'no-tg');
  const tg = await client.tgDescription(listed.uri);
  const caller = from ?? tg.outbound.origins[0]?.split('-')[0];
  if (!caller) throw new ClientError('no caller ID: your trunk has no number range; pass --from', 'no-caller-id');
  const { uri: handler } = await client.registerHandler(tg, HANDLER_ID, '1 in: PCMU; 1 out: PCMU;');
  progress(`calling ${destination} from ${caller} through ${tg.name}...`);
  const call = await client.placeCall(tg, { handler, destination, from: caller });
  let outcome = 'no answer';
  const events = call.events();
  for await (const event of events) {
    progress(`  ${event.type}${'reason' in event && event.reason ? ` (${event.reason})` : ''}`);
    if (event.type === 'answered' || event.type === 'declined' || event.type === 'failed' || event.type === 'end') {
      outcome = event.type;
      break;
    }
  }
  const recorded: number[] = [];
  if (outcome === 'answered') {
    await call.openMedia();
    call.onFrame((f) => recorded.push(...decodeUlaw(f.payload)));
    const directive = call.clientDirectives[0];
    const frames = seconds * 50;
    const started = performance.now();
    for (let i = 0; i < frames && !call.ended; i++) {
      const pcm =
        source instanceof Int16Array
          ? padded(
              source.subarray(
                (i * FRAME_SAMPLES) % Math.max(source.length, 1),
                ((i * FRAME_SAMPLES) % Math.max(source.length, 1)) + FRAME_SAMPLES,
              ),
            )
          : source.next(FRAME_SAMPLES);
      call.sendFrame(directive, encodeUlaw(pcm));
      const due = started + (i + 1) * 20;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    }
    await new Promise((r) => setTimeout(r, 200)); // the last echoes
    await call.end();
    progress('  end');
  }
  call.close();
  return { uri: call.uri, outcome, stats: call.stats.snapshot(), recorded: Int16Array.from(recorded) };
}

function padded(samples: Int16Array): Int16Array {
  if (samples.length === FRAME_SAMPLES) return samples;
  const out = new Int16Array(FRAME_SAMPLES);
  out.set(samples);
  return out;
}
