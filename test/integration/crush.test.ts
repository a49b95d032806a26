// CRUSH edits through the monitor on a real cluster: `sepia osd crush reweight`, `osd out` and
// bucket moves change where `sepia osd map` places objects, the data stays readable, and
// `sepia osd tree` / `osd crush tree` print Ceph's table shape.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TestCluster } from './harness.js';
import type { IoCtx, Rados } from '../../src/index.js';
import { locateObject, poolByName, type OsdMap } from '../../src/mon/maps/osdmap.js';

const SEPIA = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const OBJECTS = 24;

describe('the cluster places data by the CRUSH map the monitor holds', () => {
  let cluster: TestCluster;
  let rados: Rados;
  let io: IoCtx;
  /** The OSDs' host bucket: the machine's host name unless sepia.conf sets one. */
  let host = '';

  const sepia = (...args: string[]): { out: string; err: string; rc: number } => {
    const r = spawnSync(process.execPath, [SEPIA, '-c', cluster.confPath, ...args], { encoding: 'utf8' });
    return { out: r.stdout, err: r.stderr, rc: r.status ?? -1 };
  };

  /**
   * Up sets of every test object under the monitor's current map. Two of them are also asked of
   * `sepia osd map` (a process per call is slow), which must agree.
   */
  const upSets = async (): Promise<number[][]> => {
    const map = (await rados.monCommand({ prefix: 'osd dump' })).out as OsdMap;
    const pool = poolByName(map, 'crushpool');
    assert.ok(pool);
    const ups = Array.from({ length: OBJECTS }, (_, i) => locateObject(map, pool, `obj${i}`, '', '').mapping.up);
    for (const i of [0, 1]) {
      const r = sepia('--format', 'json', 'osd', 'map', 'crushpool', `obj${i}`);
      assert.equal(r.rc, 0, r.err);
      const shown = JSON.parse(r.out) as { up: number[]; epoch: number };
      if (shown.epoch === map.epoch) assert.deepEqual(shown.up, ups[i]);
    }
    return ups;
  };

  const assertReadable = async (): Promise<void> => {
    await cluster.waitHealthy();
    for (let i = 0; i < OBJECTS; i++) assert.equal((await io.read(`obj${i}`)).toString(), `payload ${i}`);
  };

  before(async () => {
    cluster = await TestCluster.start({ numOsds: 4 });
    const created = sepia('osd', 'pool', 'create', 'crushpool', '16', '--size', '2');
    assert.equal(created.rc, 0, created.err);
    rados = await cluster.connect();
    io = rados.ioctx('crushpool');
    await cluster.waitHealthy();
    for (let i = 0; i < OBJECTS; i++) await io.writeFull(`obj${i}`, Buffer.from(`payload ${i}`));
  });

  after(async () => {
    await cluster?.destroy();
  });

  test('osd tree prints the CRUSH hierarchy with OSD status in Ceph\'s columns', () => {
    const json = JSON.parse(sepia('--format', 'json', 'osd', 'tree').out) as { nodes: Array<Record<string, unknown>>; stray: unknown[] };
    host = String(json.nodes[1]?.['name']);
    assert.deepEqual(json.nodes.map((n) => n['name']), ['default', host, 'osd.0', 'osd.1', 'osd.2', 'osd.3']);
    assert.deepEqual(json.stray, []);
    const r = sepia('osd', 'tree');
    assert.equal(r.rc, 0, r.err);
    const lines = r.out.split('\n');
    // TYPE NAME is as wide as its widest cell: "    host <name>" or "        osd.N".
    const nameWidth = Math.max(9, 4 + 5 + host.length, 13);
    const cell = (text: string): string => text.padEnd(nameWidth);
    assert.equal(lines[0], `ID  CLASS  WEIGHT   ${cell('TYPE NAME')}  STATUS  REWEIGHT  PRI-AFF`);
    assert.equal(lines[1], `-1         4.00000  ${cell('root default')}${' '.repeat(27)}`);
    assert.equal(lines[2], `-2         4.00000  ${cell(`    host ${host}`)}${' '.repeat(27)}`);
    for (let id = 0; id < 4; id++) {
      assert.equal(lines[3 + id], ` ${id}    hdd  1.00000  ${cell(`        osd.${id}`)}      up   1.00000  1.00000`);
    }
    assert.equal(lines.length, 8);
  });

  test('crush reweight moves data off an OSD and the data stays readable', async () => {
    assert.ok((await upSets()).some((up) => up.includes(3)), 'osd.3 holds some objects before');
    const r = sepia('osd', 'crush', 'reweight', 'osd.3', '0');
    assert.deepEqual([r.rc, r.err], [0, "reweighted item id 3 name 'osd.3' to 0 in crush map\n"]);
    for (const up of await upSets()) {
      assert.equal(up.length, 2);
      assert.ok(!up.includes(3));
    }
    await assertReadable();
    const tree = sepia('osd', 'crush', 'tree').out.split('\n').map((l) => l.trimEnd());
    assert.deepEqual(tree.slice(0, 3), ['ID  CLASS  WEIGHT   TYPE NAME', '-1         3.00000  root default', `-2         3.00000      host ${host}`]);
    assert.equal(tree[6], ' 3    hdd        0          osd.3');
    const back = sepia('osd', 'crush', 'reweight', 'osd.3', '1');
    assert.equal(back.rc, 0, back.err);
    assert.ok((await upSets()).some((up) => up.includes(3)), 'osd.3 gets data again');
  });

  test('osd out takes an OSD out of every up set, osd in brings it back', async () => {
    assert.equal(sepia('osd', 'out', '2').rc, 0);
    for (const up of await upSets()) assert.ok(!up.includes(2));
    assert.match(sepia('osd', 'tree').out, /\n 2 {4}hdd {2}1\.00000 {10}osd\.2 +up {9}0 {2}1\.00000\n/);
    await assertReadable();
    assert.equal(sepia('osd', 'in', '2').rc, 0);
    assert.ok((await upSets()).some((up) => up.includes(2)));
    await assertReadable();
  });

  test('buckets added and moved through the monitor keep placement and reads working', async () => {
    const add = sepia('osd', 'crush', 'add-bucket', 'rack1', 'rack');
    assert.deepEqual([add.rc, add.err], [0, 'added bucket rack1 type rack to crush map\n']);
    const moveRack = sepia('osd', 'crush', 'move', 'rack1', 'root=default');
    assert.deepEqual([moveRack.rc, moveRack.err], [0, "moved item id -3 name 'rack1' to location {root=default} in crush map\n"]);
    const moveHost = sepia('osd', 'crush', 'move', host, 'rack=rack1');
    assert.equal(moveHost.rc, 0, moveHost.err);
    const tree = sepia('osd', 'tree').out.split('\n');
    assert.deepEqual(
      tree.slice(1, 4).map((l) => l.trimEnd()),
      ['-1         4.00000  root default', '-3         4.00000      rack rack1', `-2         4.00000          host ${host}`],
    );
    for (const up of await upSets()) assert.equal(new Set(up).size, 2);
    await assertReadable();
    const dump = JSON.parse(sepia('osd', 'crush', 'dump').out) as { buckets: Array<{ name: string; items: Array<{ id: number }> }> };
    assert.deepEqual(dump.buckets.find((b) => b.name === 'rack1')?.items.map((i) => i.id), [-2]);
  });

  test('edits of unknown items fail with Ceph\'s errors', () => {
    const r = sepia('osd', 'crush', 'reweight', 'osd.99', '1');
    assert.deepEqual([r.rc, r.err], [2, "Error ENOENT: device 'osd.99' does not appear in the crush map\n"]);
    const t = sepia('osd', 'crush', 'add-bucket', 'x', 'shelf');
    assert.deepEqual([t.rc, t.err], [22, "Error EINVAL: type 'shelf' does not exist\n"]);
    const m = sepia('osd', 'crush', 'move', 'nosuch', 'root=default');
    assert.deepEqual([m.rc, m.err], [2, 'Error ENOENT: item nosuch does not exist\n']);
  });
});
