// The offline half of the end-of-thrash check: with every daemon stopped, open each OSD's lmdb
// store and compare the pool's objects replica against replica and against the model. A replica
// the client never reads from cannot hide a divergence here.
import { join } from 'node:path';
import { openLmdbStore } from '../../src/osd/store/lmdb-store.js';
import { readObjectCopy } from '../../src/osd/object-copy.js';
import type { ObjectKey } from '../../src/osd/store/index.js';
import type { ObjectCopy } from '../../src/proto/messages.js';
import { describeState, stateKey, type ObjState } from '../../sim/model.js';

/** Objects listed per store call. */
const LIST_BATCH = 256;
/** Pages per PG: 2,560,000 objects, far beyond any thrash run. */
const LIST_PAGES_MAX = 10_000;

export interface StoreObject {
  /** Size, user_version, data, xattrs, omap header and entries, as text: equal iff identical. */
  readonly text: string;
  readonly state: ObjState;
}

function hexPairs(pairs: ReadonlyArray<readonly [string, Buffer]>): string {
  return [...pairs]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v.toString('hex')}`)
    .join(',');
}

function toStoreObject(copy: ObjectCopy): StoreObject | undefined {
  const meta = copy.meta;
  if (meta === undefined) return undefined;
  return {
    text: `uv=${meta.userVersion} size=${meta.size} data=${copy.data.toString('hex')} xattrs{${hexPairs(copy.xattrs)}} header=${copy.header.toString('hex')} omap{${hexPairs(copy.omap)}}`,
    state: {
      exists: true,
      data: copy.data,
      xattrs: new Map(copy.xattrs.map(([k, v]) => [k, v] as const)),
      omap: new Map(copy.omap.map(([k, v]) => [k, v] as const)),
    },
  };
}

/** Every object of `poolId` in one stopped OSD's store, keyed "namespace/oid". */
export async function readStore(dataDir: string, osd: number, poolId: number): Promise<Map<string, StoreObject>> {
  const store = openLmdbStore({ path: join(dataDir, `osd.${osd}`, 'store.lmdb') });
  const out = new Map<string, StoreObject>();
  try {
    for (const { pool, ps } of store.listPgs()) {
      if (pool !== poolId) continue;
      let cursor: ObjectKey | undefined;
      for (let page = 0; page < LIST_PAGES_MAX; page++) {
        const keys = store.listObjects(pool, ps, cursor, LIST_BATCH);
        for (const k of keys) {
          const obj = toStoreObject(readObjectCopy(store, k));
          if (obj !== undefined) out.set(`${k.namespace}/${k.oid}`, obj);
        }
        if (keys.length < LIST_BATCH) break;
        cursor = keys[keys.length - 1];
      }
    }
  } finally {
    await store.close();
  }
  return out;
}

function clip(s: string): string {
  return s.length <= 200 ? s : `${s.slice(0, 200)}…`;
}

/** Differences between replicas: every OSD must hold the same objects with the same content. */
export function compareReplicas(stores: ReadonlyMap<number, ReadonlyMap<string, StoreObject>>): string[] {
  const problems: string[] = [];
  const entries = [...stores.entries()];
  const first = entries[0];
  if (first === undefined) return ['replica check: no stores were read'];
  const [firstId, firstStore] = first;
  for (const [id, other] of entries.slice(1)) {
    const names = new Set([...firstStore.keys(), ...other.keys()]);
    for (const name of [...names].sort()) {
      const a = firstStore.get(name)?.text ?? 'absent';
      const b = other.get(name)?.text ?? 'absent';
      if (a !== b) problems.push(`replicas differ on ${name}: osd.${firstId} has ${clip(a)} but osd.${id} has ${clip(b)}`);
    }
  }
  return problems;
}

/**
 * Differences between one store and what the model says each object must be. `expected` maps
 * every modelled name to its one possible state, or undefined when too many unknown outcomes
 * left it ambiguous (not checked). Returns the names that disagree, with the reason.
 */
export function compareWithModel(
  osd: number,
  store: ReadonlyMap<string, StoreObject>,
  expected: ReadonlyMap<string, ObjState | undefined>,
): Array<{ name: string; problem: string }> {
  const out: Array<{ name: string; problem: string }> = [];
  for (const [name, want] of expected) {
    if (want === undefined) continue;
    const got = store.get(`/${name}`)?.state;
    const gotKey = got === undefined ? 'absent' : stateKey(got);
    if (gotKey !== stateKey(want)) {
      out.push({ name, problem: `osd.${osd} stores ${name} as ${got === undefined ? 'absent' : describeState(got)}, the model requires ${describeState(want)}` });
    }
  }
  for (const key of store.keys()) {
    const name = key.startsWith('/') ? key.slice(1) : key;
    if (!expected.has(name)) out.push({ name, problem: `osd.${osd} stores ${key}, which no client ever wrote` });
  }
  return out;
}
