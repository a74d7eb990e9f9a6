import { loadProfile } from '../profile.js';
import { RiptTrunkClient, type TgDescriptionDoc } from '../riptrunk-client.js';
import { printResult } from './kit.js';
import { profilePath, type CliValues } from './options.js';

export interface TgsOptions {
  profile: string;
  json?: boolean;
}

export function tgsOptions(values: CliValues): TgsOptions {
  return { profile: profilePath(values), json: values.json };
}

function describe(d: TgDescriptionDoc): string {
  return `${d.name}  ${d.uri}\n  caller IDs: ${d.outbound.origins.join(', ') || '(none)'}\n  destinations: ${d.outbound.destinations.join(', ')}\n  limits: ${d.limits['max-concurrent-calls']} calls, ${d.limits['max-calls-per-second']}/s\n  advertisement: ${d.advertisement}`;
}

/** `riptrunk tgs`: the provider's trunks for this enterprise, with their numbers and limits. */
export async function tgs(o: TgsOptions): Promise<void> {
  const client = await RiptTrunkClient.fromProfile(loadProfile(o.profile));
  try {
    const listed = await client.providerTgs();
    const described = await Promise.all(listed.map((tg) => client.tgDescription(tg.uri)));
    printResult(
      o.json,
      described,
      described.length ? described.map(describe).join('\n') : 'no trunks yet: ask your provider to create one',
    );
  } finally {
    await client.close();
  }
}
