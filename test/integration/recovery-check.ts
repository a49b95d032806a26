// Offline checks shared by the recovery tests: open every OSD's store after the cluster stopped,
// and compare them object by object with each other and with the expected model.
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { openLmdbStore } from '../../src/osd/store/lmdb-store.js';
import { readObjectCopy } from '../../src/osd/object-copy.js';
import type { ObjectCopy } from '../../src/proto/messages.js';

/** What a client expects one object to be. `undefined` = removed. */
export interface ExpectedObject {
  data: Buffer;
  xattrs: Map<string, Buffer>;
  omap: Map<string, Buffer>;
}

function render(copy: ObjectCopy): string {
  if (copy.meta === undefined) return 'absent';
  const xattrs = [...copy.xattrs].map(([k, v]) => `${k}=${v.toString('hex')}`).join(',');
  const omap = [...copy.omap].map(([k, v]) => `${k}=${v.toString('hex')}`).join(',');
  return `v${copy.meta.userVersion} size ${copy.meta.size} data ${copy.data.toString('hex')} xattrs {${xattrs}} header ${copy.header.toString('hex')} omap {${omap}}`;
}

/** Every object of `poolId` on one OSD's store, rendered for exact comparison. */
export async function dumpStore(dataDir: string, osd: number, poolId: number, pgNum: number): Promise<Map<string, string>> {
  const store = openLmdbStore({ path: join(dataDir, `osd.${osd}`, 'store.lmdb') });
  const out = new Map<string, string>();
  try {
    for (let ps = 0; ps < pgNum; ps++) {
      let cursor: Parameters<typeof store.listObjects>[2];
      for (let page = 0; page < 10_000; page++) {
        const batch = store.listObjects(poolId, ps, cursor, 256);
        for (const k of batch) out.set(`${k.namespace}/${k.oid}`, render(readObjectCopy(store, k)));
        if (batch.length < 256) break;
        cursor = batch[batch.length - 1];
      }
    }
  } finally {
    await store.close();
  }
  return out;
}

/** All replicas hold exactly the same objects, and each matches the model. */
export async function assertReplicasConverged(
  dataDir: string,
  osds: readonly number[],
  poolId: number,
  pgNum: number,
  expected: ReadonlyMap<string, ExpectedObject | undefined>,
): Promise<void> {
  const dumps = [];
  for (const osd of osds) dumps.push(await dumpStore(dataDir, osd, poolId, pgNum));
  const [first, ...rest] = dumps;
  assert.ok(first);
  rest.forEach((d, i) => {
    assert.deepEqual([...d.keys()].sort(), [...first.keys()].sort(), `osd.${osds[i + 1]} holds the same object names as osd.${osds[0]}`);
    for (const [name, v] of first) assert.equal(d.get(name), v, `${name} is identical on osd.${osds[0]} and osd.${osds[i + 1]}`);
  });
  for (const [name, exp] of expected) {
    const got = first.get(`/${name}`);
    if (exp === undefined) {
      assert.equal(got, undefined, `${name} was removed`);
      continue;
    }
    assert.ok(got !== undefined, `${name} exists`);
    assert.ok(got.includes(` data ${exp.data.toString('hex')} `), `${name} holds its newest data`);
  }
}
