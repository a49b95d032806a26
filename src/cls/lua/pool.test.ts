// The worker pool: the Atomics host bridge, limits across the thread boundary, the main event
// loop staying free while a worker spins, the deadline backstop and the bounded queue.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ERRNO } from '../../core/errors.js';
import { MemoryObject } from './memory-host.js';
import { LuaPool, type LuaPoolOptions } from './pool.js';
import { encodeEvalBufferlist, parseLuaRequest, type LuaRequest } from './request.js';
import type { LuaCallResult } from './vm.js';

const OPTS: LuaPoolOptions = { maxWorkers: 2, maxInstructions: 5_000_000, maxMemoryBytes: 16 * 1024 * 1024, timeout_ms: 5_000 };
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

function req(body: string, input: Buffer = Buffer.alloc(0)): LuaRequest {
  return { script: `function h(input, output)\n${body}\nend\nobjclass.register(h)`, handler: 'h', input };
}

/** Runs like the OSD: commit the scratch object only on success. */
async function call(pool: LuaPool, obj: MemoryObject, request: LuaRequest): Promise<LuaCallResult> {
  const host = obj.scratch();
  const result = await pool.call(request, host);
  if (result.ret >= 0) host.commit();
  return result;
}

async function withPool(opts: LuaPoolOptions, fn: (pool: LuaPool) => Promise<void>): Promise<void> {
  const pool = new LuaPool(opts);
  try {
    await fn(pool);
  } finally {
    await pool.close();
  }
}

function immediateTicks(count: number): Promise<number> {
  return new Promise((resolve) => {
    let n = 0;
    const tick = (): void => {
      n++;
      if (n >= count) resolve(n);
      else setImmediate(tick);
    };
    setImmediate(tick);
  });
}

describe('LuaPool', () => {
  test('host calls cross the thread boundary and bytes 0..255 survive the round trip', async () => {
    await withPool(OPTS, async (pool) => {
      const obj = new MemoryObject();
      const r = await call(pool, obj, req('objclass.write_full(input) objclass.map_set_val("k", input) output:append(objclass.read(0, 0):str())', ALL_BYTES));
      assert.equal(r.ret, 0, r.error?.message);
      assert.deepEqual(r.out, ALL_BYTES);
      assert.deepEqual(obj.state.data, ALL_BYTES);
      assert.deepEqual(obj.state.omap.get('k'), ALL_BYTES);
    });
  });

  test('small replies (shared buffer) and large ones (MessagePort) both arrive whole, in order', async () => {
    await withPool(OPTS, async (pool) => {
      const obj = new MemoryObject();
      const big = Buffer.alloc(64 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
      obj.version = 2 ** 40;
      const body = `objclass.write_full(input)
        local small, large, none = objclass.read(1, 16), objclass.read(0, ${big.length}), objclass.read(${big.length}, 16)
        output:append(small:str() .. large:str() .. none:str() .. tostring(objclass.current_version()))`;
      const r = await call(pool, obj, req(body, big));
      assert.equal(r.ret, 0, r.error?.message);
      assert.deepEqual(r.out, Buffer.concat([big.subarray(1, 17), big, Buffer.from(String(2 ** 40))]));
    });
  });

  test('eval_json and eval_bufferlist requests run through the pool', async () => {
    await withPool(OPTS, async (pool) => {
      const json = '{"script": "function e(i, o) o:append(i:str()) end objclass.register(e)", "handler": "e", "input": "omg it works",}';
      const a = await call(pool, new MemoryObject(), parseLuaRequest('eval_json', Buffer.from(json)));
      assert.equal(a.out.toString(), 'omg it works');
      const bl = encodeEvalBufferlist({ script: "function e(i, o) o:append('got:' .. i:str()) end objclass.register(e)", handler: 'e', input: Buffer.from('xyz') });
      const b = await call(pool, new MemoryObject(), parseLuaRequest('eval_bufferlist', bl));
      assert.equal(b.out.toString(), 'got:xyz');
    });
  });

  test('a spinning worker leaves other calls and the main event loop running', async () => {
    await withPool({ ...OPTS, maxInstructions: 1e12, timeout_ms: 1_500 }, async (pool) => {
      let runawaySettled = false;
      const runaway = call(pool, new MemoryObject(), req('while true do end')).then((r) => {
        runawaySettled = true;
        return r;
      });
      const [quick, ticks] = await Promise.all([
        call(pool, new MemoryObject(), req("output:append('quick')")),
        immediateTicks(500),
      ]);
      assert.equal(quick.out.toString(), 'quick');
      assert.equal(ticks, 500);
      assert.equal(runawaySettled, false);
      const r = await runaway;
      assert.equal(r.ret, -ERRNO.ETIMEDOUT);
    });
  });

  test('limits fail with their errno, apply nothing, and the same worker serves the next call', async () => {
    await withPool({ ...OPTS, maxWorkers: 1 }, async (pool) => {
      const obj = new MemoryObject();
      obj.state.exists = true;
      obj.state.data = Buffer.from('before');
      const cases: Array<[string, number]> = [
        ['objclass.write_full(input) while true do end', -ERRNO.ETIMEDOUT],
        ['objclass.write_full(input) local t = {} for i = 1, 1e9 do t[i] = {i} end', -ERRNO.ENOMEM],
        ['objclass.write_full(input) local s = string.rep("x", 1e9)', -ERRNO.ENOMEM],
      ];
      for (const [body, errno] of cases) {
        const r = await call(pool, obj, req(body, Buffer.from('after')));
        assert.equal(r.ret, errno, body);
        assert.equal(obj.state.data.toString(), 'before', body);
      }
      const ok = await call(pool, obj, req("output:append('alive')"));
      assert.equal(ok.out.toString(), 'alive');
      assert.equal(pool.workerCount, 1);
    });
  });

  test('a call stuck in C code is ended by the backstop and its worker replaced', async () => {
    await withPool({ ...OPTS, maxWorkers: 1, timeout_ms: 200, backstopGrace_ms: 200 }, async (pool) => {
      const obj = new MemoryObject();
      // One string.find call runs for many seconds without executing a Lua instruction.
      const stuck = await call(pool, obj, req("objclass.create(true) string.find(string.rep('a', 200000), '.-b')"));
      assert.equal(stuck.ret, -ERRNO.ETIMEDOUT);
      assert.match(stuck.error?.message ?? '', /terminated/);
      assert.equal(obj.state.exists, false);
      const next = await call(pool, obj, req("output:append('fresh worker')"));
      assert.equal(next.out.toString(), 'fresh worker');
    });
  });

  test('a full queue answers EAGAIN at once', async () => {
    await withPool({ ...OPTS, maxWorkers: 1, maxQueued: 1, maxInstructions: 1e12, timeout_ms: 300 }, async (pool) => {
      const busy = call(pool, new MemoryObject(), req('while true do end'));
      const queued = call(pool, new MemoryObject(), req("output:append('queued')"));
      const rejected = await call(pool, new MemoryObject(), req('return 0'));
      assert.equal(rejected.ret, -ERRNO.EAGAIN);
      assert.equal((await busy).ret, -ERRNO.ETIMEDOUT);
      assert.equal((await queued).out.toString(), 'queued');
    });
  });

  test('calls after close are ESHUTDOWN', async () => {
    const pool = new LuaPool(OPTS);
    await pool.close();
    const r = await pool.call(req('return 0'), new MemoryObject().scratch());
    assert.equal(r.ret, -ERRNO.ESHUTDOWN);
  });
});
