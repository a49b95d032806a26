// The offline checks must notice what they exist to catch: a replica that differs, an object
// whose stored content the model does not allow, and an object no client wrote.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLmdbStore } from '../../src/osd/store/index.js';
import { ABSENT, type ObjState } from '../../sim/model.js';
import { compareReplicas, compareWithModel, readStore, type StoreObject } from './store-check.js';

const POOL = 3;

function state(data: string, xattrs: Record<string, string> = {}, omap: Record<string, string> = {}): ObjState {
  const buf = (o: Record<string, string>): Map<string, Buffer> => new Map(Object.entries(o).map(([k, v]) => [k, Buffer.from(v)] as const));
  return { exists: true, data: Buffer.from(data), xattrs: buf(xattrs), omap: buf(omap) };
}

async function writeStore(dataDir: string, osd: number, objects: ReadonlyArray<readonly [string, ObjState]>): Promise<void> {
  const store = openLmdbStore({ path: join(dataDir, `osd.${osd}`, 'store.lmdb') });
  try {
    await store.apply({
      objects: objects.map(([oid, s], i) => ({
        key: { pool: POOL, ps: i % 2, hash: i, namespace: '', oid, locator: '' },
        steps: [
          { t: 'create' as const },
          { t: 'write' as const, offset: 0, data: s.data },
          ...[...s.xattrs].map(([name, value]) => ({ t: 'setxattr' as const, name, value })),
          { t: 'omap_set' as const, entries: [...s.omap] },
        ],
        meta: { size: s.data.length, mtime: { sec: 1, nsec: 0 }, userVersion: 7 },
      })),
    });
  } finally {
    await store.close();
  }
}

describe('offline store checks', () => {
  test('identical stores that match the model report nothing; a divergent replica and a lost write are named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sepia-store-check-'));
    try {
      const a = state('hello', { a: '1' }, { k0: 'v' });
      const b = state('world');
      await writeStore(dir, 0, [['obj0', a], ['obj1', b]]);
      await writeStore(dir, 1, [['obj0', a], ['obj1', b]]);
      await writeStore(dir, 2, [['obj0', a], ['obj1', state('stale')]]);
      const stores = new Map<number, Map<string, StoreObject>>();
      for (const osd of [0, 1, 2]) stores.set(osd, await readStore(dir, osd, POOL));
      const expected = new Map<string, ObjState | undefined>([['obj0', a], ['obj1', b], ['obj2', ABSENT]]);

      assert.deepEqual(compareReplicas(new Map([...stores].slice(0, 2))), []);
      assert.deepEqual(compareWithModel(0, stores.get(0) ?? new Map(), expected), []);

      const diverged = compareReplicas(stores);
      assert.equal(diverged.length, 1);
      assert.match(diverged[0] ?? '', /replicas differ on \/obj1: osd\.0 .* but osd\.2 /);
      const lost = compareWithModel(2, stores.get(2) ?? new Map(), expected);
      assert.deepEqual(lost.map((l) => l.name), ['obj1']);
      assert.match(lost[0]?.problem ?? '', /osd\.2 stores obj1 as size=5 .* the model requires size=5/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an object the model expects absent, or never heard of, is reported; ambiguous objects are skipped', () => {
    const store = new Map<string, StoreObject>([
      ['/obj0', { text: 't', state: state('x') }],
      ['/ghost', { text: 't', state: state('y') }],
    ]);
    const problems = compareWithModel(1, store, new Map<string, ObjState | undefined>([['obj0', ABSENT], ['obj1', undefined]]));
    assert.deepEqual(problems.map((p) => p.name).sort(), ['ghost', 'obj0']);
    assert.match(problems.find((p) => p.name === 'ghost')?.problem ?? '', /no client ever wrote/);
  });
});
