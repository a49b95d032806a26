// The README's five-minute tour, run as a user would run it: the sepia binary against a cluster
// started with `sepia start`, plus the Lua snippet through the library.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { TestCluster } from './harness.js';
import { Rados, lua } from '../../src/index.js';

const SEPIA = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const SAMPLE = fileURLToPath(new URL('../../examples/thumbnails/make-sample-jpeg.js', import.meta.url));

describe('the README tour works as written', () => {
  let cluster: TestCluster;
  const sepia = (...args: string[]) => {
    const r = spawnSync(process.execPath, [SEPIA, '-c', cluster.confPath, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, `sepia ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    cluster = await TestCluster.start();
  });
  after(async () => {
    await cluster?.destroy();
  });

  test('put, get, stat, ls, xattrs and omap from the command line', () => {
    sepia('osd', 'pool', 'create', 'test');
    const file = join(cluster.dir, 'in.txt');
    writeFileSync(file, 'hello sepia\n');
    sepia('rados', '-p', 'test', 'put', 'obj1', file);
    assert.equal(sepia('rados', '-p', 'test', 'get', 'obj1', '-'), 'hello sepia\n');
    assert.match(sepia('rados', '-p', 'test', 'stat', 'obj1'), /^test\/obj1 mtime \S+, size 12\n$/);
    assert.equal(sepia('rados', '-p', 'test', 'ls'), 'obj1\n');
    sepia('rados', '-p', 'test', 'setxattr', 'obj1', 'user.color', 'blue');
    assert.equal(sepia('rados', '-p', 'test', 'getxattr', 'obj1', 'user.color'), 'blue');
    sepia('rados', '-p', 'test', 'setomapval', 'obj1', 'k1', 'v1');
    assert.equal(sepia('rados', '-p', 'test', 'listomapvals', 'obj1'), 'k1\nvalue (2 bytes) :\n00000000  76 31                                             |v1|\n00000002\n\n');
    assert.match(sepia('osd', 'map', 'test', 'obj1'), /-> up \(\[\d,\d,\d\], p\d\)/);
    assert.match(sepia('rados', 'df'), /^POOL_NAME/);
  });

  test('the Lua snippet upper-cases the object inside the OSD', async () => {
    const rados = await Rados.connect({ conf: cluster.confPath });
    try {
      const io = rados.ioctx('test');
      await io.writeFull('doc', 'hello');
      const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
      const script = /const script = `([\s\S]*?)`;/.exec(readme)?.[1];
      assert.ok(script, 'README has the Lua snippet');
      await lua(io, 'doc', { script, handler: 'shout', input: '!' });
      assert.equal((await io.read('doc')).toString(), 'HELLO!');
      const { out } = await lua(io, 'doc', { script, handler: 'peek' });
      assert.equal(out.toString(), 'doc holds HELLO!');
    } finally {
      await rados.close();
    }
  });

  test('the registered counter class from the README deploys once and is called by name', async () => {
    const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
    const script = /cat > counter\.lua <<'LUA'\n([\s\S]*?)\nLUA\n/.exec(readme)?.[1];
    assert.ok(script, 'README has the counter class');
    const file = join(cluster.dir, 'counter.lua');
    writeFileSync(file, `${script}\n`);
    sepia('cls', 'register', 'counter', '--file', file);
    assert.match(sepia('cls', 'info', 'counter'), /get/);
    const rados = await Rados.connect({ conf: cluster.confPath });
    try {
      const io = rados.ioctx('test');
      await io.exec('c1', 'counter', 'incr');
      await io.exec('c1', 'counter', 'incr');
      const { out } = await io.exec('c1', 'counter', 'get');
      assert.equal(out.toString(), '2');
      const traced = await lua(io, 'c1', { className: 'counter', handler: 'get', trace: true });
      assert.equal(traced.out.toString(), '2');
    } finally {
      await rados.close();
    }
  });

  test('thumbnails are made inside the OSD from the sample JPEG', async () => {
    const photo = join(cluster.dir, 'photo.jpg');
    const made = spawnSync(process.execPath, [SAMPLE, photo], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    sepia('thumbs', 'put', 'test', 'photo', photo);
    sepia('thumbs', 'thumb', 'test', 'photo', '500x300');
    sepia('thumbs', 'thumb', 'test', 'photo', '256x');
    assert.match(sepia('thumbs', 'ls', 'test', 'photo'), /256x/);
    const out = join(cluster.dir, 'thumb.jpg');
    sepia('thumbs', 'get', 'test', 'photo', '256x', out);
    const meta = await sharp(readFileSync(out)).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 256, 192]);
  });
});
