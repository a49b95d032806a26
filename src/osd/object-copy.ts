// Whole-object copies for recovery and backfill: read everything one object is (data, xattrs,
// omap header and entries, metadata) from the local store, and turn such a copy back into one
// store transaction that makes the local object identical to it.
import { invariant } from '../core/assert.js';
import type { ObjectCopy } from '../proto/messages.js';
import type { TxnStep } from './ops/index.js';
import type { ObjectKey, ObjectMutation, ObjectStore } from './store/object-store.js';

/** Omap pages read per object copy; 1,000,000 keys at 1,024 per page. */
const OMAP_PAGE = 1024;
const OMAP_PAGES_MAX = 1000;

export function readObjectCopy(store: ObjectStore, key: ObjectKey): ObjectCopy {
  const view = store.view(key);
  const wireKey = { hash: key.hash, namespace: key.namespace, oid: key.oid, locator: key.locator };
  const meta = view.meta;
  if (meta === undefined) return { key: wireKey, meta: undefined, data: Buffer.alloc(0), xattrs: [], header: Buffer.alloc(0), omap: [] };
  const omap: Array<[string, Buffer]> = [];
  let after = '';
  for (let page = 0; page < OMAP_PAGES_MAX; page++) {
    const batch = view.omapRange(after, OMAP_PAGE);
    omap.push(...batch);
    const last = batch[batch.length - 1];
    if (batch.length < OMAP_PAGE || last === undefined) break;
    after = last[0];
  }
  const data = view.readData(0, meta.size);
  invariant(data.length === meta.size, 'a copy carries every byte of the object');
  return { key: wireKey, meta, data, xattrs: view.xattrs(), header: view.omapHeader(), omap };
}

/** The mutation that replaces whatever the store holds for this object with `copy`. */
export function mutationForCopy(pool: number, ps: number, copy: ObjectCopy): ObjectMutation {
  const key: ObjectKey = { pool, ps, ...copy.key };
  const steps: TxnStep[] = [{ t: 'remove' }];
  if (copy.meta !== undefined) {
    invariant(copy.data.length === copy.meta.size, 'copied data matches the copied size');
    steps.push({ t: 'create' });
    if (copy.data.length > 0) steps.push({ t: 'write', offset: 0, data: copy.data });
    for (const [name, value] of copy.xattrs) steps.push({ t: 'setxattr', name, value });
    if (copy.header.length > 0) steps.push({ t: 'omap_set_header', value: copy.header });
    if (copy.omap.length > 0) steps.push({ t: 'omap_set', entries: copy.omap });
  }
  return { key, steps, meta: copy.meta };
}

/** True when two metadata records describe the same object version (backfill's comparison). */
export function sameVersion(a: ObjectCopy['meta'], b: ObjectCopy['meta']): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.userVersion === b.userVersion && a.size === b.size && a.mtime.sec === b.mtime.sec && a.mtime.nsec === b.mtime.nsec;
}
