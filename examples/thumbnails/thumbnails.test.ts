// The script the service sends is the file a reader sees, and it runs in the sandbox: the full
// put_smart → thumb → get → ls cycle on an in-memory object, with real JPEG bytes.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { dispatchHostCall } from '../../src/cls/lua/host.js';
import { MagickBridge } from '../../src/cls/lua/magick-bridge.js';
import { MemoryObject } from '../../src/cls/lua/memory-host.js';
import { LuaVm, type LuaCallResult } from '../../src/cls/lua/vm.js';
import { makeSampleJpeg } from './make-sample-jpeg.js';
import { THUMBNAILS_LUA, readScriptFile } from './thumbnails.js';

let vm: LuaVm;
let bridge: MagickBridge;
before(async () => {
  vm = await LuaVm.create({ now_ms: () => performance.now() });
  bridge = new MagickBridge(() => performance.now());
});
after(async () => {
  vm.close();
  await bridge.close();
});

function call(obj: MemoryObject, handler: string, input: Buffer | string): LuaCallResult {
  const host = obj.scratch();
  const budgets = { maxInstructions: 1e7, maxMemoryBytes: 64 * 1024 * 1024, timeout_ms: 10_000 };
  const r = vm.call({ script: THUMBNAILS_LUA, handler, input: Buffer.from(input) }, budgets, (c) => dispatchHostCall(host, c), (j, d) => bridge.call(j, d));
  if (r.ret >= 0) host.commit();
  return r;
}

describe('thumbnails.lua', () => {
  test('the service sends exactly examples/thumbnails/thumbnails.lua', () => {
    assert.equal(THUMBNAILS_LUA, readScriptFile());
  });

  test('put_smart, two thumbs, get and ls work on one object', async () => {
    const jpeg = await makeSampleJpeg({ width: 800, height: 600 });
    const obj = new MemoryObject();
    assert.equal(call(obj, 'put_smart', jpeg).ret, 0);
    assert.equal(obj.state.omap.get('original')?.toString(), `${jpeg.length}@0`);
    for (const spec of ['256x', 'x100']) assert.equal(call(obj, 'thumb', spec).ret, 0, spec);
    // Making the same thumbnail again changes nothing.
    const size = obj.state.data.length;
    assert.equal(call(obj, 'thumb', '256x').ret, 0);
    assert.equal(obj.state.data.length, size);
    const got = call(obj, 'get', '256x');
    const meta = await sharp(got.out).metadata();
    assert.equal(`${meta.format} ${meta.width}x${meta.height}`, 'jpeg 256x192');
    assert.ok(call(obj, 'get', 'original').out.equals(jpeg));
    const lines = call(obj, 'ls', '').out.toString().trim().split('\n').map((l) => l.split(' ')[0]);
    assert.deepEqual(lines, ['256x', 'original', 'x100']);
    assert.equal(call(obj, 'get', '999x').ret, -2);
  });
});
