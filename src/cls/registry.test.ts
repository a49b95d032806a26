// Registered classes on the OSD side: flag extraction at registration, the ClassMap index, and
// calls through ClassHost and the op engine (RD methods run as reads, WR methods as writes).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ERRNO, RadosError } from '../core/errors.js';
import { context, run, obj, absent } from '../osd/ops/testkit.js';
import type { SubOp } from '../osd/ops/index.js';
import { BUILTIN_CLASSES } from './builtin/index.js';
import { LUA_CLASS } from './lua/index.js';
import { ClassHost } from './class-host.js';
import { ClassRegistry, TRACE_METHOD_SUFFIX, describeClassScript, type ClassMapView } from './registry.js';
import {
  RESERVED_CLASS_NAMES, TRACE_METHOD_SUFFIX as MAP_TRACE_SUFFIX, emptyClassMap, registerClass, type ClassMap,
} from '../mon/maps/classmap.js';

const SCRIPT = `
function get(input, output)
  objclass.log("get called")
  output:append(objclass.read(0, 4):str())
end
function put(input, output)
  objclass.write_full(input)
end
function sneaky(input, output)
  objclass.write_full(input)
end
function fails(input, output)
  error("boom")
end
local function helper() end
function unregistered() end
objclass.register(get, "rd")
objclass.register(put)
objclass.register(sneaky, "RD")
objclass.register(fails, "wr")
`;

const errno = (name: keyof typeof ERRNO) => (e: unknown): boolean => RadosError.is(e) && e.errno === ERRNO[name];

async function mapWith(script: string, name = 'demo', version?: number, base: ClassMap = emptyClassMap()): Promise<ClassMap> {
  const { methods } = await describeClassScript(script);
  const bytes = Buffer.from(script, 'utf8');
  return registerClass(base, '2026-01-01T00:00:00.000Z', {
    name, script, methods, sha256: createHash('sha256').update(bytes).digest('hex'), size_bytes: bytes.length,
    ...(version === undefined ? {} : { version }),
  });
}

describe('describing a class script at registration', () => {
  test('lists the registered globals with their flags; omitted flags mean rdwr', async () => {
    const d = await describeClassScript(SCRIPT);
    assert.deepEqual(d.methods, [
      { name: 'fails', flags: 'wr' }, { name: 'get', flags: 'rd' }, { name: 'put', flags: 'rdwr' }, { name: 'sneaky', flags: 'rd' },
    ]);
  });

  test('a script that does not compile is EINVAL with the Lua message', async () => {
    await assert.rejects(describeClassScript('function ('), (e: unknown) => errno('EINVAL')(e) && /expected/.test((e as Error).message));
  });

  test('a top level that fails, touches the object or declares bad flags is EINVAL', async () => {
    await assert.rejects(describeClassScript('error("nope")'), (e: unknown) => errno('EINVAL')(e) && /nope/.test((e as Error).message));
    await assert.rejects(describeClassScript('objclass.stat()'), errno('EINVAL'));
    await assert.rejects(describeClassScript('function f() end objclass.register(f, "rw")'), errno('EINVAL'));
    await assert.rejects(describeClassScript('function f() end objclass.register(f, 3)'), errno('EINVAL'));
  });

  test('a script that registers nothing describes no methods', async () => {
    assert.deepEqual((await describeClassScript('x = 1')).methods, []);
  });
});

describe('the ClassMap as the OSD holds it', () => {
  test('the monitor map fits the OSD view and the reserved names cover every class the OSD serves itself', async () => {
    const view: ClassMapView = await mapWith(SCRIPT);
    assert.equal(view.epoch, 1);
    assert.equal(TRACE_METHOD_SUFFIX, MAP_TRACE_SUFFIX);
    for (const name of [LUA_CLASS, ...BUILTIN_CLASSES.keys()]) assert.ok(RESERVED_CLASS_NAMES.has(name), name);
  });

  test('a newer epoch replaces the map and an older one is ignored', async () => {
    const reg = new ClassRegistry();
    const m1 = await mapWith(SCRIPT);
    const m2 = await mapWith('function get() end objclass.register(get, "wr")', 'demo', 2, m1);
    assert.equal(reg.update(m2), true);
    assert.equal(reg.update(m1), false);
    assert.equal(reg.resolve('demo', 'get')?.write, true);
    assert.equal(reg.resolve('demo', 'put'), undefined);
  });

  test('a method name with the trace suffix resolves to the method and asks for the trace', async () => {
    const reg = new ClassRegistry();
    reg.update(await mapWith(SCRIPT));
    assert.deepEqual(
      { ...reg.resolve('demo', `get${TRACE_METHOD_SUFFIX}`), cls: undefined },
      { cls: undefined, method: 'get', write: false, trace: true },
    );
    assert.equal(reg.resolve('demo', 'unregistered'), undefined);
    assert.equal(reg.resolve('nosuch', 'get'), undefined);
  });
});

describe('registered classes through ClassHost and the op engine', () => {
  const host = new ClassHost({ lua: { maxWorkers: 1, maxInstructions: 1e7, maxMemoryBytes: 16 << 20, timeout_ms: 5_000 } });
  after(() => host.close());
  const caller = { clientId: 1, addr: '127.0.0.1:1', now: { sec: 1, nsec: 0 } };
  const hooks = {
    classIsWrite: (c: string, m: string) => host.isWrite(c, m),
    exec: (c: string, m: string, input: Buffer, o: Parameters<ClassHost['exec']>[3]) => host.exec(c, m, input, o, caller),
  };
  const exec = (method: string, input = ''): SubOp => ({ op: 'exec', cls: 'demo', method, input: Buffer.from(input) });

  test('before the map arrives the class is unknown: EOPNOTSUPP', async () => {
    const r = await run(obj({ data: 'abcdef' }), [exec('get')], { hooks });
    assert.equal(r.outcome.ret, -ERRNO.EOPNOTSUPP);
  });

  test('an RD method runs as a read: output returned, nothing to commit, missing object ENOENT', async () => {
    assert.deepEqual(host.updateClassMap(await mapWith(SCRIPT)), { epoch: 1 });
    assert.equal(host.isWrite('demo', 'get'), false);
    assert.equal(host.isWrite('demo', 'put'), true);
    const r = await run(obj({ data: 'abcdef' }), [exec('get')], { hooks });
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.outcome.steps.length, 0);
    const out = r.outcome.results[0]?.out;
    assert.equal(out?.kind === 'data' ? out.data.toString() : '', 'abcd');
    const missing = await run(absent, [exec('get')], { hooks });
    assert.equal(missing.outcome.ret, -ERRNO.ENOENT);
  });

  test('a WR method writes, creating a missing object, and bumps the version', async () => {
    const r = await run(absent, [exec('put', 'hello')], { hooks, ctx: context({ pgLastUserVersion: 10 }) });
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.after.data.toString(), 'hello');
    assert.equal(r.outcome.version, 11);
  });

  test('an RD method that writes is EIO; an unknown method is EOPNOTSUPP', async () => {
    assert.equal((await run(obj({ data: 'x' }), [exec('sneaky', 'y')], { hooks })).outcome.ret, -ERRNO.EIO);
    assert.equal((await run(obj({ data: 'x' }), [exec('unregistered')], { hooks })).outcome.ret, -ERRNO.EOPNOTSUPP);
  });

  test('with the trace suffix the log and the Lua error come back', async () => {
    const ok = await run(obj({ data: 'abcdef' }), [exec(`get${TRACE_METHOD_SUFFIX}`)], { hooks });
    assert.deepEqual(ok.outcome.results[0]?.trace, { log: ['get called'] });
    const bad = await run(obj({ data: 'x' }), [exec(`fails${TRACE_METHOD_SUFFIX}`)], { hooks });
    assert.equal(bad.outcome.ret, -ERRNO.EIO);
    const trace = bad.outcome.results[0]?.trace;
    assert.match(trace?.error?.message ?? '', /boom/);
    assert.match(trace?.error?.traceback ?? '', /:13: in function/);
    const quiet = await run(obj({ data: 'abcdef' }), [exec('get')], { hooks });
    assert.equal(quiet.outcome.results[0]?.trace, undefined);
  });

  test('a new version changes behaviour on the next call', async () => {
    const v2 = await mapWith('function get(i, o) o:append("v2") end objclass.register(get, "rd")', 'demo', 7, await mapWith(SCRIPT));
    host.updateClassMap(v2);
    const r = await run(obj({ data: 'abcdef' }), [exec('get')], { hooks });
    const out = r.outcome.results[0]?.out;
    assert.equal(out?.kind === 'data' ? out.data.toString() : '', 'v2');
  });
});
