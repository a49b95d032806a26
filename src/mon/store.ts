// The monitor's durable state: one lmdb environment with every committed OSDMap epoch and a few
// counters. A map is published only after its epoch is flushed to disk.
import { open, type RootDatabase } from 'lmdb';
import { invariant } from '../core/assert.js';
import type { OsdMap } from './maps/osdmap.js';

const KEEP_EPOCHS = 500;

export class MonStore {
  private readonly db: RootDatabase<unknown, string>;

  constructor(path: string) {
    this.db = open<unknown, string>({ path, compression: false });
  }

  lastCommitted(): number {
    const v = this.db.get('last_committed');
    return typeof v === 'number' ? v : 0;
  }

  loadMap(epoch: number): OsdMap | undefined {
    return this.db.get(`osdmap/${String(epoch).padStart(12, '0')}`) as OsdMap | undefined;
  }

  getCounter(name: string): number {
    const v = this.db.get(`counter/${name}`);
    return typeof v === 'number' ? v : 0;
  }

  async setCounter(name: string, value: number): Promise<void> {
    await this.db.put(`counter/${name}`, value);
    await this.db.flushed;
  }

  getValue(key: string): unknown {
    return this.db.get(`kv/${key}`);
  }

  async setValue(key: string, value: unknown): Promise<void> {
    await this.db.put(`kv/${key}`, value);
    await this.db.flushed;
  }

  /** Persists a new epoch durably; resolves only when it is on disk. */
  async commitMap(map: OsdMap): Promise<void> {
    invariant(map.epoch === this.lastCommitted() + 1 || this.lastCommitted() === 0, 'epochs are committed in order');
    await this.db.transaction(() => {
      this.db.put(`osdmap/${String(map.epoch).padStart(12, '0')}`, map);
      this.db.put('last_committed', map.epoch);
      const old = map.epoch - KEEP_EPOCHS;
      if (old > 0) this.db.remove(`osdmap/${String(old).padStart(12, '0')}`);
    });
    await this.db.flushed;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
