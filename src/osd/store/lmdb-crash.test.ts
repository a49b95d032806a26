import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { makeTempDir, removeDir } from '../../io/fs.js';
import { crashData } from './crash-writer.fixture.js';
import { openLmdbStore } from './lmdb-store.js';

const ACKS_BEFORE_KILL = 400;

test('after SIGKILL mid-run, every acknowledged txn is present and intact and no txn is partial', async () => {
  const dir = makeTempDir('sepia-lmdb-crash-');
  const path = join(dir, 'store');
  try {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./crash-writer.fixture.js', import.meta.url)), path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked = new Set<number>();
    let buffered = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^ack (\d+)$/.exec(line);
        assert.ok(m !== null, `unexpected child output: ${line}`);
        acked.add(Number(m[1]));
      }
      if (acked.size >= ACKS_BEFORE_KILL) child.kill('SIGKILL');
    });
    assert.equal(await exited, 'SIGKILL');
    assert.ok(acked.size >= ACKS_BEFORE_KILL);

    const store = openLmdbStore({ path });
    const log = store.readPgLog(1, 0, 0, 1_000_000);
    const logged = new Set(log.map((e) => (e.entry as { i: number }).i));
    for (const e of log) assert.deepEqual(e.entry, { i: e.version - 1 });
    for (const i of acked) assert.ok(logged.has(i), `acked txn ${i} has its log entry`);
    // Every txn present in the log is complete: object data, xattr and omap all landed with it.
    for (const i of logged) {
      const v = store.view({ pool: 1, ps: i % 8, hash: i, namespace: '', oid: `obj${i}`, locator: '' });
      assert.deepEqual(v.readData(0, 1e9), crashData(i), `txn ${i} data intact`);
      assert.deepEqual(v.getXattr('i'), Buffer.from(String(i)));
      assert.deepEqual(v.omapRange('', 10), [[`k${i}`, Buffer.from(`v${i}`)]]);
      assert.equal(v.meta?.userVersion, i + 1);
    }
    // And no object exists without its log entry.
    let objects = 0;
    for (let ps = 0; ps < 8; ps += 1) {
      for (const key of store.listObjects(1, ps, undefined, 1_000_000)) {
        if (key.oid === 'latest') continue;
        objects += 1;
        assert.ok(logged.has(key.hash), `object ${key.oid} has its log entry`);
      }
    }
    assert.equal(objects, logged.size);
    // The shared object and the meta record were written by the same txns: they agree.
    const latest = store.getMeta('latest') as number;
    assert.deepEqual(store.view({ pool: 1, ps: 0, hash: 0, namespace: '', oid: 'latest', locator: '' }).readData(0, 100), Buffer.from(`latest=${latest}`));
    assert.ok(latest >= Math.max(...acked));
    assert.equal(store.statfs().objects, logged.size + 1);
    await store.close();
  } finally {
    removeDir(dir);
  }
});
