// The thumbnail example against a real cluster: a 3-megapixel JPEG put with its index in one
// round trip, two thumbnails made inside the OSD and read back as real JPEGs of the right size,
// script logs and Lua tracebacks returned to the caller, and the thumbnails still readable after
// the object's primary OSD is SIGKILLed (3 replicas; the client resends to the new primary).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { TestCluster } from './harness.js';
import type { Rados } from '../../src/client/rados.js';
import type { IoCtx } from '../../src/client/ioctx.js';
import { lua, LuaCallError } from '../../src/client/lua.js';
import { locateObject, poolByName } from '../../src/mon/maps/osdmap.js';
import { makeSampleJpeg } from '../../examples/thumbnails/make-sample-jpeg.js';
import { THUMBNAILS_LUA, getThumb, listThumbs, makeThumb, putImage } from '../../examples/thumbnails/thumbnails.js';

async function dims(bytes: Buffer): Promise<string> {
  const m = await sharp(bytes).metadata();
  return `${m.format} ${m.width}x${m.height}`;
}

describe('thumbnail service on a real local cluster', () => {
  let cluster: TestCluster;
  let rados: Rados;
  let io: IoCtx;
  let jpeg: Buffer;

  before(async () => {
    [cluster, jpeg] = await Promise.all([TestCluster.start(), makeSampleJpeg()]);
    rados = await cluster.connect();
    await rados.createPool('img');
    io = rados.ioctx('img');
  });

  after(async () => {
    await cluster?.destroy();
  });

  test('put_smart stores the image and its index; two thumbnails made in the OSD decode at their sizes', async () => {
    await putImage(io, 'photo', jpeg);
    assert.equal((await io.stat('photo')).size, jpeg.length);
    const a = await makeThumb(io, 'photo', '500x300');
    const b = await makeThumb(io, 'photo', '256x');
    assert.equal(a.offset, jpeg.length);
    assert.equal(b.offset, a.offset + a.length);
    assert.equal(await dims(await getThumb(io, 'photo', '500x300')), 'jpeg 400x300');
    assert.equal(await dims(await getThumb(io, 'photo', '256x')), 'jpeg 256x192');
    assert.ok((await getThumb(io, 'photo', 'original')).equals(jpeg));
    assert.deepEqual((await listThumbs(io, 'photo')).map((t) => t.spec), ['256x', '500x300']);
    // The thumbnails are in the object itself: a plain read at the indexed extent finds them.
    const raw = await io.read('photo', { offset: b.offset, length: b.length });
    assert.equal(await dims(raw), 'jpeg 256x192');
  });

  test('with trace the caller gets the script log, and the Lua error and traceback on failure', async () => {
    const made = await lua(io, 'photo', { script: THUMBNAILS_LUA, handler: 'thumb', input: 'x64', trace: true });
    assert.equal(made.ret, 0);
    assert.ok(made.log?.some((line) => /^thumb x64 \d+ bytes at \d+$/.test(line)), JSON.stringify(made.log));
    const script = 'function deep() error("no such frame") end\nfunction h(i, o) objclass.log("before") deep() end\nobjclass.register(h)';
    await assert.rejects(lua(io, 'photo', { script, handler: 'h', trace: true }), (err: unknown) => {
      assert.ok(err instanceof LuaCallError);
      assert.equal(err.code, 'EIO');
      assert.match(err.luaError?.message ?? '', /no such frame/);
      assert.match(err.luaError?.traceback ?? '', /stack traceback/);
      assert.deepEqual(err.log, ['before']);
      return true;
    });
    // Without trace nothing extra travels.
    const plain = await lua(io, 'photo', { script: THUMBNAILS_LUA, handler: 'get', input: 'x64' });
    assert.equal(plain.log, undefined);
    assert.equal(await dims(plain.out), 'jpeg 85x64');
  });

  test('an image over the pixel cap or a bad geometry fails with a clear errno and changes nothing', async () => {
    const before = (await io.stat('photo')).size;
    await assert.rejects(makeThumb(io, 'photo', '100x100+5+5'), (err: unknown) => err instanceof LuaCallError && err.code === 'EINVAL');
    await assert.rejects(makeThumb(io, 'photo', '20000x20000!'), (err: unknown) => err instanceof LuaCallError && err.code === 'EFBIG');
    assert.equal((await io.stat('photo')).size, before);
  });

  test('thumbnails made before the primary is SIGKILLed are still readable', async () => {
    const pool = poolByName(rados.osdMap, 'img');
    assert.ok(pool !== undefined);
    const primary = locateObject(rados.osdMap, pool, 'photo', '', '').mapping.actingPrimary;
    assert.ok(primary >= 0);
    await cluster.kill(`osd.${primary}`);
    assert.equal(await dims(await getThumb(io, 'photo', '500x300')), 'jpeg 400x300');
    assert.equal(await dims(await getThumb(io, 'photo', '256x')), 'jpeg 256x192');
    const after = poolByName(rados.osdMap, 'img');
    assert.ok(after !== undefined);
    assert.notEqual(locateObject(rados.osdMap, after, 'photo', '', '').mapping.actingPrimary, primary);
  });
});
