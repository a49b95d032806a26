// The `magick` module: real JPEGs in, real thumbnails out (decoded again with sharp), the
// Ceph article's thumbnail script unchanged, limits (pixel cap, deadline) and the bridge
// leaving the OSD's event loop free.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { ERRNO } from '../../core/errors.js';
import { makeSampleJpeg } from '../../../examples/thumbnails/make-sample-jpeg.js';
import { dispatchHostCall } from './host.js';
import { MagickBridge } from './magick-bridge.js';
import { MemoryObject } from './memory-host.js';
import { LuaPool } from './pool.js';
import { LuaVm, type LuaBudgets, type LuaCallResult } from './vm.js';

const BUDGETS: LuaBudgets = { maxInstructions: 5_000_000, maxMemoryBytes: 32 * 1024 * 1024, timeout_ms: 10_000 };

let vm: LuaVm;
let bridge: MagickBridge;
let jpeg: Buffer;

before(async () => {
  const now_ms = (): number => performance.now();
  vm = await LuaVm.create({ now_ms });
  bridge = new MagickBridge(now_ms);
  jpeg = await makeSampleJpeg();
});
after(async () => {
  vm.close();
  await bridge.close();
});

function run(obj: MemoryObject, script: string, handler: string, input: Buffer | string, budgets = BUDGETS, withMagick = true): LuaCallResult {
  const host = obj.scratch();
  const req = { script, handler, input: Buffer.from(input) };
  const result = withMagick
    ? vm.call(req, budgets, (call) => dispatchHostCall(host, call), (job, deadline_ms) => bridge.call(job, deadline_ms))
    : vm.call(req, budgets, (call) => dispatchHostCall(host, call));
  if (result.ret >= 0) host.commit();
  return result;
}

function handler(obj: MemoryObject, body: string, input: Buffer | string = '', budgets = BUDGETS): LuaCallResult {
  return run(obj, `function h(input, output)\n${body}\nend\nobjclass.register(h)`, 'h', input, budgets);
}

function withImage(): MemoryObject {
  const obj = new MemoryObject();
  obj.state.exists = true;
  obj.state.data = Buffer.from(jpeg);
  return obj;
}

async function decoded(bytes: Buffer): Promise<string> {
  const m = await sharp(bytes).metadata();
  return `${m.format} ${m.width}x${m.height}`;
}

// The thumbnail handler of Ceph's "dynamic object interfaces with Lua" article, in its shape:
// `cls.*`, `require "magick"`, string offsets from string.match, magick.thumb returning a blob.
const ARTICLE_THUMB = `
local magick = require "magick"

function get_orig_img()
  local loc_spec_bl = cls.map_get_val("original")
  local size, offset = string.match(loc_spec_bl:str(), "(%d+)@(%d+)")
  return cls.read(offset, size)
end

function thumb(input, output)
  local spec_string = input:str()
  local blob = get_orig_img()
  local img = assert(magick.load_image_from_blob(blob:str()))
  img = magick.thumb(img, spec_string)

  local obj_size = cls.stat()
  local img_bl = bufferlist.new()
  img_bl:append(img)
  cls.write(obj_size, #img_bl, img_bl)

  local loc_spec = #img_bl .. "@" .. obj_size
  local loc_spec_bl = bufferlist.new()
  loc_spec_bl:append(loc_spec)
  cls.map_set_val(spec_string, loc_spec_bl)
end

cls.register(thumb)
`;

describe('magick module', () => {
  test('the article thumbnail script runs unchanged and appends a JPEG of the fitted size', async () => {
    const obj = withImage();
    obj.state.omap.set('original', Buffer.from(`${jpeg.length}@0`));
    const r = run(obj, ARTICLE_THUMB, 'thumb', '500x300');
    assert.equal(r.ret, 0, r.error?.message);
    const loc = obj.state.omap.get('500x300')?.toString() ?? '';
    const [length, offset] = loc.split('@').map(Number);
    assert.equal(offset, jpeg.length);
    assert.equal(obj.state.data.length, jpeg.length + (length ?? 0));
    assert.equal(await decoded(obj.state.data.subarray(offset)), 'jpeg 400x300');
  });

  test('image methods report sizes; set_format and get_blob give a PNG of that size', async () => {
    const r = handler(withImage(), `
      local img = magick.load_image_from_blob(objclass.read(0, 0))
      assert(img:get_width() == 2000 and img:get_height() == 1500 and img:get_format() == 'jpeg')
      img:thumb('256x')
      assert(img:get_width() == 256 and img:get_height() == 192)
      img:set_format('png')
      output:append(img:get_blob())`);
    assert.equal(r.ret, 0, r.error?.message);
    assert.equal(await decoded(r.out), 'png 256x192');
  });

  test('the function style (magick.get_blob, magick.set_format) works like the methods', async () => {
    const r = handler(withImage(), `
      local img = magick.load_image_from_blob(objclass.read(0, 0))
      magick.resize(img, 64, 48)
      magick.set_format(img, 'webp')
      assert(magick.get_width(img) == 64 and magick.get_height(img) == 48)
      output:append(magick.get_blob(img))`);
    assert.equal(r.ret, 0, r.error?.message);
    assert.equal(await decoded(r.out), 'webp 64x48');
  });

  test('each geometry gives the ImageMagick size, and the original is untouched by magick.thumb', async () => {
    for (const [spec, want] of [['x128', '171x128'], ['50%', '1000x750'], ['100x100!', '100x100']] as const) {
      const r = handler(withImage(), `
        local img = magick.load_image_from_blob(objclass.read(0, 0))
        output:append(magick.thumb(img, input:str()))
        assert(img:get_width() == 2000)`, spec);
      assert.equal(r.ret, 0, r.error?.message);
      assert.equal(await decoded(r.out), `jpeg ${want}`, spec);
    }
  });

  test('an untouched image returns its original bytes', () => {
    const r = handler(withImage(), 'output:append(magick.get_blob(magick.load_image_from_blob(objclass.read(0, 0))))');
    assert.equal(r.ret, 0, r.error?.message);
    assert.ok(r.out.equals(jpeg));
  });

  test('bytes that are not an image load as nil plus a message', () => {
    const r = handler(withImage(), `
      local img, err = magick.load_image_from_blob('definitely not an image')
      assert(img == nil and type(err) == 'string')
      output:append(err)`);
    assert.equal(r.ret, 0, r.error?.message);
    assert.match(r.out.toString(), /magick/);
    assert.equal(handler(withImage(), "assert(magick.load_image_from_blob('nope'))").ret, -ERRNO.EIO);
  });

  test('an image over the pixel cap is EFBIG, catchable with pcall, and nothing is applied', () => {
    const small = { ...BUDGETS, maxImagePixels: 1_000_000 };
    const obj = withImage();
    const r = handler(obj, "objclass.setxattr('touched', input) magick.load_image_from_blob(objclass.read(0, 0))", 'x', small);
    assert.equal(r.ret, -ERRNO.EFBIG);
    assert.match(r.error?.message ?? '', /over the cap/);
    assert.equal(obj.state.xattrs.size, 0);
    const caught = handler(withImage(), `
      local ok, ret = pcall(magick.load_image_from_blob, objclass.read(0, 0))
      assert(ok == false and ret == -objclass.EFBIG)`, '', small);
    assert.equal(caught.ret, 0, caught.error?.message);
    // An enlargement past the cap is refused before any pixel is made.
    const big = handler(withImage(), "local img = magick.load_image_from_blob(objclass.read(0, 0)) img:thumb('10000x10000!')");
    assert.equal(big.ret, -ERRNO.EFBIG);
  });

  test('a bad geometry or output format is EINVAL', () => {
    assert.equal(handler(withImage(), "magick.load_image_from_blob(objclass.read(0, 0)):thumb('10x10+5+5')").ret, -ERRNO.EINVAL);
    assert.equal(handler(withImage(), "magick.set_format(magick.load_image_from_blob(objclass.read(0, 0)), 'svg')").ret, -ERRNO.EINVAL);
  });

  test('the deadline stops an image call: ETIMEDOUT, which pcall cannot swallow', () => {
    const tight = { ...BUDGETS, timeout_ms: 1 };
    const r = handler(withImage(), "pcall(magick.thumb, objclass.read(0, 0), '50%') output:append('survived')", '', tight);
    assert.equal(r.ret, -ERRNO.ETIMEDOUT);
    assert.equal(r.out.length, 0);
  });

  test('require resolves only magick; without an image worker magick is EOPNOTSUPP', () => {
    assert.equal(handler(withImage(), "assert(require('magick') == magick) require('os')").ret, -ERRNO.EIO);
    const r = run(withImage(), "function h() magick.load_image_from_blob('x') end objclass.register(h)", 'h', '', BUDGETS, false);
    assert.equal(r.ret, -ERRNO.EOPNOTSUPP);
  });
});

describe('magick through the worker pool', () => {
  test('a thumbnail made in a Lua worker leaves the main event loop free', async () => {
    const pool = new LuaPool({ maxWorkers: 1, maxInstructions: 5_000_000, maxMemoryBytes: 32 * 1024 * 1024, timeout_ms: 10_000 });
    try {
      const obj = withImage();
      const host = obj.scratch();
      let settled = false;
      const pending = pool.call({
        script: "function h(i, o) o:append(magick.thumb(objclass.read(0, 0), i:str())) end objclass.register(h)",
        handler: 'h',
        input: Buffer.from('256x'),
      }, host).finally(() => {
        settled = true;
      });
      // The main thread keeps turning while the worker (and the image worker) do the work:
      // a blocked loop would run no immediates until the call had settled.
      let turns = 0;
      while (!settled) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        turns++;
      }
      const r = await pending;
      assert.equal(r.ret, 0, r.error?.message);
      assert.equal(await decoded(r.out), 'jpeg 256x192');
      assert.ok(turns > 10, `main loop turned ${turns} times during the call`);
    } finally {
      await pool.close();
    }
  });
});
