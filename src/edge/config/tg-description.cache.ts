import type { EdgeRange, EdgeTrunk } from '../../contracts/edge-snapshot.js';
import { etagOfDocument } from '@riptrunk/ript';
import { tgDescription } from './tg-description.js';
import type { EdgeConfigStore } from './edge-config.store.js';

/** A TG description as sent: its JSON text and its ETag. */
export interface RenderedTg {
  json: string;
  etag: string;
}

interface Entry extends RenderedTg {
  trunk: EdgeTrunk;
  ranges: EdgeRange[];
  settings: EdgeConfigStore['settings'];
}

/**
 * TG descriptions rendered once per trunk rather than per request. Entries are dropped whenever the store's revision
 * changes (a snapshot was applied), and an entry is only used while the trunk, its tenant's ranges and the settings
 * are the very objects it was rendered from.
 */
export class TgDescriptionCache {
  private readonly entries = new Map<string, Entry>();
  private revision = -1;

  constructor(
    private readonly store: EdgeConfigStore,
    private readonly urls: { edge: string; controlPlane: string },
  ) {}

  get(trunk: EdgeTrunk): RenderedTg {
    if (this.revision !== this.store.revision) {
      this.entries.clear();
      this.revision = this.store.revision;
    }
    const ranges = this.store.rangesOf(trunk.tenantId);
    const settings = this.store.settings;
    const cached = this.entries.get(trunk.id);
    if (cached && cached.trunk === trunk && cached.ranges === ranges && cached.settings === settings) return cached;
    const doc = tgDescription(trunk, ranges, this.urls, settings);
    const entry: Entry = { json: JSON.stringify(doc), etag: etagOfDocument(doc), trunk, ranges, settings };
    this.entries.set(trunk.id, entry);
    return entry;
  }
}
