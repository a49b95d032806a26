// Spec rows of spec/object-classes.md §3–§4 (Ceph's test_cls_lua, test by test, plus the §5
// observations), run in-process against an in-memory object. The OSD's rule is mirrored by
// run(): the scratch object is committed only when the method returns >= 0.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ERRNO } from '../../core/errors.js';
import { dispatchHostCall } from './host.js';
import { MemoryObject } from './memory-host.js';
import { encodeEvalBufferlist, parseEvalBufferlist, parseEvalJson } from './request.js';
import { LuaVm, type LuaBudgets, type LuaCallResult } from './vm.js';

const BUDGETS: LuaBudgets = { maxInstructions: 5_000_000, maxMemoryBytes: 16 * 1024 * 1024, timeout_ms: 10_000 };

let vm: LuaVm;
before(async () => {
  vm = await LuaVm.create({ now_ms: () => performance.now() });
});
after(() => vm.close());

function run(obj: MemoryObject, script: string, handler = '', input: Buffer = Buffer.alloc(0), budgets = BUDGETS): LuaCallResult {
  // Every row goes through Ceph's eval_bufferlist encoding, as test_cls_lua does.
  const req = parseEvalBufferlist(encodeEvalBufferlist({ script, handler, input }));
  const host = obj.scratch();
  const result = vm.call(req, budgets, (call) => dispatchHostCall(host, call));
  if (result.ret >= 0) host.commit();
  return result;
}

/** Registers `body` as handler h and runs it. */
function handler(obj: MemoryObject, body: string, input: Buffer = Buffer.alloc(0)): LuaCallResult {
  return run(obj, `function h(input, output)\n${body}\nend\nobjclass.register(h)`, 'h', input);
}

function encodeString(s: string): Buffer {
  const bytes = Buffer.from(s);
  const out = Buffer.alloc(4 + bytes.length);
  out.writeUInt32LE(bytes.length, 0);
  bytes.copy(out, 4);
  return out;
}

function fresh(): MemoryObject {
  return new MemoryObject();
}

function existing(data = ''): MemoryObject {
  const obj = new MemoryObject();
  obj.state.exists = true;
  obj.state.data = Buffer.from(data);
  obj.state.mtime_sec = 1_234_567_890;
  return obj;
}

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

describe('Ceph test_cls_lua checklist (§4)', () => {
  test('1 Write: writing the encoded input makes a 15-byte object that decodes back', () => {
    const obj = fresh();
    const r = handler(obj, 'objclass.write(0, #input, input)', encodeString('Hello World'));
    assert.equal(r.ret, 0);
    assert.equal(obj.state.data.length, 15);
    assert.equal(obj.state.data.subarray(4).toString(), 'Hello World');
  });

  test('2 SyntaxError: script "-" is EIO', () => {
    assert.equal(run(fresh(), '-').ret, -ERRNO.EIO);
  });

  test('3 EmptyScript: an empty script with no handler succeeds', () => {
    assert.equal(run(fresh(), '').ret, 0);
  });

  test('4 RetVal: numbers and numeric strings pass, nil/tables/text are EIO, nothing is 0', () => {
    const cases: Array<[string, number]> = [
      ['return 1', 1], ['return 0', 0], ['return -1', -1], ["return '1'", 1], ["return '0'", 0],
      ["return '-1'", -1], ['', 0], ['return nil', -ERRNO.EIO], ['return {}', -ERRNO.EIO],
      ["return 'asdf'", -ERRNO.EIO], ['return 1.5', -ERRNO.EIO], ['return 2.0', 2], ['return 1, 2', 2],
    ];
    for (const [body, expected] of cases) assert.equal(handler(fresh(), body).ret, expected, body);
  });

  test('5 Create: exclusive create of a new object, again EEXIST, non-exclusive succeeds', () => {
    const obj = fresh();
    assert.equal(handler(obj, 'objclass.create(true)').ret, 0);
    assert.equal(obj.state.exists, true);
    assert.equal(handler(obj, 'objclass.create(true)').ret, -ERRNO.EEXIST);
    assert.equal(handler(obj, 'objclass.create(false)').ret, 0);
  });

  test('6 Pcall: a caught objclass failure reports -errno and only a returned errno fails', () => {
    const obj = fresh();
    assert.equal(handler(obj, 'objclass.create(true)').ret, 0);
    assert.equal(handler(obj, 'objclass.create(true)').ret, -ERRNO.EEXIST);
    const caught = 'local ok, ret = pcall(objclass.create, true)\nassert(ok == false)\nassert(ret == -objclass.EEXIST)';
    assert.equal(handler(obj, caught).ret, 0);
    assert.equal(handler(obj, `${caught}\nreturn ret`).ret, -ERRNO.EEXIST);
    const twice = 'pcall(objclass.create, true)\npcall(objclass.create, true)\nreturn -9999';
    assert.equal(handler(obj, twice).ret, -9999);
  });

  test('7 Remove: missing ENOENT, create, remove, remove again ENOENT', () => {
    const obj = fresh();
    assert.equal(handler(obj, 'objclass.remove()').ret, -ERRNO.ENOENT);
    assert.equal(handler(obj, 'objclass.create(true)').ret, 0);
    assert.equal(handler(obj, 'objclass.remove()').ret, 0);
    assert.equal(obj.state.exists, false);
    assert.equal(handler(obj, 'objclass.remove()').ret, -ERRNO.ENOENT);
  });

  test('8 Stat: size and whole-second mtime; a missing object is ENOENT, also through pcall', () => {
    const obj = existing('x'.repeat(1024));
    const r = handler(obj, 'local size, mtime = objclass.stat()\noutput:append(size .. "," .. mtime)');
    assert.equal(r.ret, 0);
    assert.equal(r.out.toString(), '1024,1234567890');
    assert.equal(handler(fresh(), 'objclass.stat()').ret, -ERRNO.ENOENT);
    assert.equal(handler(fresh(), 'local ok, ret = pcall(objclass.stat)\nreturn ret').ret, -ERRNO.ENOENT);
  });

  test('9 MapClear: removes the omap keys', () => {
    const obj = existing();
    obj.state.omap.set('foo', Buffer.from('bar'));
    assert.equal(handler(obj, 'objclass.map_clear()').ret, 0);
    assert.equal(obj.state.omap.size, 0);
  });

  test('10 MapSetVal: the stored value is the input bufferlist', () => {
    const obj = fresh();
    const input = encodeString('a value');
    assert.equal(handler(obj, "objclass.map_set_val('foo', input)", input).ret, 0);
    assert.deepEqual(obj.state.omap.get('foo'), input);
  });

  test('11 MapGetVal: returns the stored bytes; a missing key is ENOENT', () => {
    const obj = existing();
    obj.state.omap.set('foo', Buffer.from('This is a test message'));
    const r = handler(obj, "output:append(objclass.map_get_val('foo'):str())");
    assert.equal(r.out.toString(), 'This is a test message');
    assert.equal(handler(obj, "objclass.map_get_val('dne')").ret, -ERRNO.ENOENT);
  });

  test('12 Read: stat then read the whole object', () => {
    const obj = existing('This is a test message');
    const r = handler(obj, 'local size = objclass.stat()\nlocal bl = objclass.read(0, size)\noutput:append(bl:str())');
    assert.equal(r.out.toString(), 'This is a test message');
  });

  test('13 Log: every logging form succeeds', () => {
    const scripts = [
      'objclass.log()', 's = objclass.log(); objclass.log(s);', 'objclass.log(1)', 'objclass.log(-1)',
      "objclass.log('x')", 'objclass.log(0, 0)', 'objclass.log(1, 1)', 'objclass.log(-10, -10)',
      "objclass.log('x', 'y')", "objclass.log(1, 'one')", "objclass.log(1, 'one', 'two')",
      "objclass.log('one', 'two', 'three')", "s = objclass.log('one', 'two', 'three'); objclass.log(s);",
    ];
    for (const script of scripts) assert.equal(run(fresh(), script).ret, 0, script);
  });

  test('14 BufferlistEquality: empty, self, equal and unequal bufferlists compare by bytes', () => {
    const body = `
      local a, b = bufferlist.new(), bufferlist.new()
      assert(a == b) assert(a == a)
      a:append('abc') assert(a == a)
      b:append('abc') assert(a == b)
      local c = bufferlist.new() c:append('abcd') assert(a ~= c)`;
    assert.equal(handler(fresh(), body).ret, 0);
  });

  test('15 RunError: error() deep in a call chain is EIO', () => {
    const script = "function a() error('error_a') end function b() a() end function h() b() end objclass.register(h)";
    assert.equal(run(fresh(), script, 'h').ret, -ERRNO.EIO);
  });

  test('16 HandleNotFunc: a handler naming a non-function global is EOPNOTSUPP', () => {
    assert.equal(run(fresh(), 'x = 1;', 'x').ret, -ERRNO.EOPNOTSUPP);
    assert.equal(run(fresh(), 'x = 1;', 'undefined_global').ret, -ERRNO.EOPNOTSUPP);
  });

  test('17 Register: registered handlers run; bad or repeated registration is EIO', () => {
    assert.equal(run(fresh(), 'function h() end objclass.register(h)').ret, 0);
    assert.equal(run(fresh(), 'function h() end objclass.register(h)', 'h').ret, 0);
    const two = 'function h1() end function h2() end objclass.register(h1) objclass.register(h2)';
    assert.equal(run(fresh(), two, 'h1').ret, 0);
    assert.equal(run(fresh(), two, 'h2').ret, 0);
    const early = 'objclass.register(h) function h() end';
    assert.equal(run(fresh(), early).ret, -ERRNO.EIO);
    assert.equal(run(fresh(), early, 'h').ret, -ERRNO.EIO);
    assert.equal(run(fresh(), 'function h() end', 'h').ret, -ERRNO.EIO);
    assert.equal(run(fresh(), 'objclass.register(lalala)').ret, -ERRNO.EIO);
    assert.equal(run(fresh(), "objclass.register('some string')").ret, -ERRNO.EIO);
    const dup = run(fresh(), 'function h() end objclass.register(h) objclass.register(h)', 'h');
    assert.equal(dup.ret, -ERRNO.EIO);
    assert.match(dup.error?.message ?? '', /Cannot register handler more than once/);
  });

  test('18 BufferlistCompare: "A" < "B" and "A" <= "B"', () => {
    const body = "local a, b = bufferlist.new(), bufferlist.new() a:append('A') b:append('B') assert(a < b) assert(a <= b)";
    assert.equal(handler(fresh(), body).ret, 0);
  });

  test('19 BufferlistConcat: a..b is a new bufferlist unaffected by later appends', () => {
    const body = `
      local a, b, ab = bufferlist.new(), bufferlist.new(), bufferlist.new()
      a:append('A') b:append('B') ab:append('AB')
      assert(a .. b == ab) assert(b .. a ~= ab)
      local x = a .. b
      b:append('C')
      assert(x == ab) assert(b:str() == 'BC')`;
    assert.equal(handler(fresh(), body).ret, 0);
  });

  test('20 GetXattr: returns the stored value', () => {
    const obj = existing();
    obj.state.xattrs.set('fooz', Buffer.from('xattr value'));
    assert.equal(handler(obj, "output:append(objclass.getxattr('fooz'):str())").out.toString(), 'xattr value');
  });

  test('21 SetXattr: stores the input bytes', () => {
    const obj = fresh();
    const input = encodeString('set me');
    assert.equal(handler(obj, "objclass.setxattr('fooz2', input)", input).ret, 0);
    assert.deepEqual(obj.state.xattrs.get('fooz2'), input);
  });

  test('22 WriteFull: replaces 1024 bytes with the 200-byte input', () => {
    const obj = existing('y'.repeat(1024));
    const input = Buffer.alloc(200, 7);
    assert.equal(handler(obj, 'objclass.write_full(input)', input).ret, 0);
    assert.deepEqual(obj.state.data, input);
  });

  const listing = (fn: string) => `
    local keys = {}
    for k in pairs(${fn}) do keys[#keys + 1] = k end
    table.sort(keys)
    local t = ${fn}
    for _, k in ipairs(keys) do
      output:append(k .. '/')
      if type(t[k]) ~= 'boolean' then output:append(t[k]:str() .. '/') end
    end`;

  test('23 GetXattrs: lists name/value pairs as they are added', () => {
    const obj = existing();
    const body = listing('objclass.getxattrs()');
    assert.equal(handler(obj, body).out.toString(), '');
    let expected = '';
    for (const k of ['key1', 'key2', 'key3']) {
      obj.state.xattrs.set(k, Buffer.from(`${k}str`));
      expected += `${k}/${k}str/`;
      assert.equal(handler(obj, body).out.toString(), expected);
    }
  });

  test('24 MapGetKeys: lists keys as they are added', () => {
    const obj = existing();
    const body = listing('objclass.map_get_keys("", 5)');
    assert.equal(handler(obj, body).out.toString(), '');
    let expected = '';
    for (const k of ['k1', 'k2', 'xxx']) {
      obj.state.omap.set(k, Buffer.from('v'));
      expected += `${k}/`;
      assert.equal(handler(obj, body).out.toString(), expected);
    }
  });

  test('25 MapGetVals: lists key/value pairs as they are added', () => {
    const obj = existing();
    const body = listing('objclass.map_get_vals("", "", 10)');
    let expected = '';
    for (const k of ['key1', 'key2', 'key3']) {
      obj.state.omap.set(k, Buffer.from(`${k}str`));
      expected += `${k}/${k}str/`;
      assert.equal(handler(obj, body).out.toString(), expected);
    }
  });

  test('26 MapHeader: empty on a new object, then written and read back', () => {
    const obj = fresh();
    const read = 'output:append(objclass.map_read_header():str())';
    assert.equal(handler(obj, read).out.length, 0);
    assert.equal(handler(obj, 'objclass.map_write_header(input)', Buffer.from('header!')).ret, 0);
    assert.equal(handler(obj, read).out.toString(), 'header!');
  });

  test('27 MapSetVals: tables of strings with string or number keys; a table value is EINVAL', () => {
    const cases: Array<[string, string[]]> = [
      ['{}', []], ['{a="a_val"}', ['a']], ['{a="a_val", b="b_val"}', ['a', 'b']],
      ['{a="a_val", b="b_val", c="c_val"}', ['a', 'b', 'c']], ['{"1_val", "2_val"}', ['1', '2']],
      ['{a="a_val", b="b_val", "1_val", "2_val"}', ['1', '2', 'a', 'b']],
    ];
    for (const [table, keys] of cases) {
      const obj = fresh();
      assert.equal(handler(obj, `objclass.map_set_vals(${table})`).ret, 0, table);
      assert.deepEqual([...obj.state.omap.keys()].sort(), keys, table);
    }
    assert.deepEqual(fresh().state.omap.get('1'), undefined);
    const obj = fresh();
    handler(obj, 'objclass.map_set_vals({"1_val", "2_val"})');
    assert.equal(obj.state.omap.get('1')?.toString(), '1_val');
    assert.equal(handler(fresh(), 'objclass.map_set_vals({a = {}})').ret, -ERRNO.EINVAL);
  });

  test('28 MapRemoveKey: removes one key and leaves the other', () => {
    const obj = existing();
    obj.state.omap.set('a', Buffer.from('1'));
    obj.state.omap.set('b', Buffer.from('2'));
    assert.equal(handler(obj, 'objclass.map_remove_key("a")').ret, 0);
    assert.deepEqual([...obj.state.omap.keys()], ['b']);
  });

  test('29 VersionSubop: version, sub-op number and "<ver>.<subop>" are produced', () => {
    const obj = fresh();
    obj.version = 8;
    obj.subopNum = 0;
    const body = `output:append(objclass.current_version() .. ' ' .. objclass.current_subop_num() .. ' ' .. objclass.current_subop_version())`;
    const r = handler(obj, body);
    assert.equal(r.ret, 0);
    assert.equal(r.out.toString(), '8 0 8.0');
  });

  test('30 Json: eval_json with a trailing comma echoes its input', () => {
    const body = JSON.stringify({
      script: 'function json_echo(input, output) output:append(input:str()); end objclass.register(json_echo)',
      handler: 'json_echo',
      input: 'omg it works',
    }).replace(/}$/, ',}');
    const req = parseEvalJson(Buffer.from(body));
    const host = fresh().scratch();
    const r = vm.call(req, BUDGETS, (call) => dispatchHostCall(host, call));
    assert.equal(r.ret, 0);
    assert.equal(r.out.toString(), 'omg it works');
  });
});

describe('objclass functions on missing and existing objects (§3.3, §5)', () => {
  test('reads and listings of a missing object are empty and do not create it', () => {
    const obj = fresh();
    const body = `
      assert(#objclass.read(0, 10) == 0)
      assert(next(objclass.map_get_keys('', 10)) == nil)
      assert(next(objclass.map_get_vals('', '', 10)) == nil)
      assert(#objclass.map_read_header() == 0)`;
    assert.equal(handler(obj, body).ret, 0);
    assert.equal(obj.state.exists, false);
  });

  test('calls that need the object report ENOENT on a missing one', () => {
    for (const call of ['objclass.map_get_val("k")', 'objclass.stat()', 'objclass.getxattr("a")',
      'objclass.getxattrs()', 'objclass.remove()', 'objclass.map_remove_key("k")', 'objclass.map_clear()']) {
      const obj = fresh();
      assert.equal(handler(obj, call).ret, -ERRNO.ENOENT, call);
      assert.equal(obj.state.exists, false, call);
    }
  });

  test('a missing xattr on an existing object is ENODATA', () => {
    assert.equal(handler(existing(), 'objclass.getxattr("nope")').ret, -ERRNO.ENODATA);
  });

  test('removing a missing key of an existing object succeeds', () => {
    assert.equal(handler(existing(), 'objclass.map_remove_key("nope")').ret, 0);
  });

  test('read(0, 0) reads everything and a read past the end is empty', () => {
    const obj = existing('0123456789');
    assert.equal(handler(obj, 'output:append(objclass.read(0, 0):str())').out.toString(), '0123456789');
    assert.equal(handler(obj, 'output:append(objclass.read(3, 4):str())').out.toString(), '3456');
    assert.equal(handler(obj, 'assert(#objclass.read(200, 10) == 0)').ret, 0);
  });

  test('stat returns two Lua integers', () => {
    const body = "local s, m = objclass.stat() assert(math.type(s) == 'integer' and math.type(m) == 'integer')";
    assert.equal(handler(existing('abc'), body).ret, 0);
  });

  test('a write whose length differs from its bufferlist is EINVAL and applies nothing', () => {
    const obj = existing('keep');
    const r = handler(obj, "local bl = bufferlist.new() bl:append('abc') objclass.write(0, 5, bl)");
    assert.equal(r.ret, -ERRNO.EINVAL);
    assert.equal(obj.state.data.toString(), 'keep');
  });

  test('argument type errors are plain Lua errors (EIO)', () => {
    for (const call of ['objclass.read("x")', 'objclass.read(0.5, 1)', 'objclass.write(0, 1, "s")', 'objclass.write_full("s")']) {
      assert.equal(handler(existing('abc'), call).ret, -ERRNO.EIO, call);
    }
  });

  test('a write past the object size limit is EFBIG', () => {
    const obj = fresh();
    obj.maxObjectSizeBytes = 10;
    assert.equal(handler(obj, 'objclass.write_full(input)', Buffer.alloc(11)).ret, -ERRNO.EFBIG);
    assert.equal(obj.state.exists, false);
  });

  test('setxattr returns its bufferlist argument', () => {
    assert.equal(handler(fresh(), "local bl = bufferlist.new() assert(rawequal(objclass.setxattr('a', bl), bl))").ret, 0);
  });

  test('map_set_vals rejects bufferlist and number values with EINVAL', () => {
    assert.equal(handler(fresh(), 'objclass.map_set_vals({a = bufferlist.new()})').ret, -ERRNO.EINVAL);
    assert.equal(handler(fresh(), 'objclass.map_set_vals({a = 5})').ret, -ERRNO.EINVAL);
    const r = handler(fresh(), 'local ok, ret, msg = pcall(objclass.map_set_vals, {a = {}}) assert(ret == -objclass.EINVAL) objclass.log(msg)');
    assert.equal(r.ret, 0);
    assert.match(r.log[0] ?? '', /invalid val type \(table\)/);
  });

  test('map_set_vals with an empty table is a no-op that does not create the object', () => {
    const obj = fresh();
    assert.equal(handler(obj, 'objclass.map_set_vals({})').ret, 0);
    assert.equal(obj.state.exists, false);
  });

  test('map listings honour start_after and prefix and are capped at 1024 entries', () => {
    const obj = existing();
    for (let i = 0; i < 1100; i++) obj.state.omap.set(`k${String(i).padStart(4, '0')}`, Buffer.from('v'));
    obj.state.omap.set('other', Buffer.from('o'));
    const count = (fn: string) => `local n = 0 for _ in pairs(${fn}) do n = n + 1 end output:append(tostring(n))`;
    assert.equal(handler(obj, count('objclass.map_get_keys("", 5000)')).out.toString(), '1024');
    assert.equal(handler(obj, count('objclass.map_get_keys("k1090", 100)')).out.toString(), '10');
    assert.equal(handler(obj, count('objclass.map_get_vals("", "oth", 100)')).out.toString(), '1');
  });

  test('log joins its arguments with spaces, skipping a leading level, and returns the text', () => {
    const r = handler(fresh(), `
      output:append(objclass.log(1, 'a', true, nil, {}) .. '|')
      output:append(objclass.log('x', 2) .. '|')
      output:append(objclass.log(-1) .. '|')
      output:append(tostring(select('#', objclass.log())))`);
    assert.equal(r.out.toString(), 'a true nil table|x 2|-1|0');
    assert.deepEqual(r.log, ['a true nil table', 'x 2', '-1']);
  });
});

describe('bufferlist type (§3.4)', () => {
  test('metatable has exactly the Ceph keys and no length method', () => {
    const body = `
      local keys = {}
      for k in pairs(getmetatable(bufferlist.new())) do keys[#keys + 1] = k end
      table.sort(keys)
      output:append(table.concat(keys, ' '))
      assert(not pcall(function() return bufferlist.new():length() end))`;
    assert.equal(handler(fresh(), body).out.toString(), '__concat __eq __gc __index __le __len __lt __name append str');
  });

  test('length, __len method, comparisons with other types and append type checks', () => {
    const body = `
      local bl = bufferlist.new()
      bl:append('ab')
      assert(#bl == 2 and bl:__len() == 2)
      assert((bl == 'ab') == false)
      assert(not pcall(function() return bl .. 'c' end))
      assert(not pcall(function() return bl < 'c' end))
      assert(not pcall(function() bl:append(5) end))
      local a, b = bufferlist.new(), bufferlist.new()
      a:append('ab') b:append('abc')
      assert(a < b and a <= b and not (b < a))
      assert(select('#', bl:append('x')) == 0)`;
    assert.equal(handler(fresh(), body).ret, 0);
  });

  test('many appends keep every byte in order', () => {
    const body = "for i = 1, 100 do output:append(string.char(i % 256)) end assert(#output == 100)";
    const r = handler(fresh(), body);
    assert.deepEqual(r.out, Buffer.from(Array.from({ length: 100 }, (_, i) => (i + 1) % 256)));
  });
});

describe('binary safety', () => {
  test('bytes 0..255 round-trip through input, output, object data, xattrs and omap', () => {
    const obj = fresh();
    const body = `
      local s = ''
      for i = 0, 255 do s = s .. string.char(i) end
      assert(input:str() == s and #input == 256)
      objclass.write_full(input)
      objclass.setxattr('bin', input)
      objclass.map_set_val('bin', input)
      assert(objclass.read(0, 0) == input)
      assert(objclass.getxattr('bin') == input)
      assert(objclass.map_get_val('bin') == input)
      output:append(s)`;
    const r = handler(obj, body, ALL_BYTES);
    assert.equal(r.ret, 0);
    assert.deepEqual(r.out, ALL_BYTES);
    assert.deepEqual(obj.state.data, ALL_BYTES);
    assert.deepEqual(obj.state.xattrs.get('bin'), ALL_BYTES);
    assert.deepEqual(obj.state.omap.get('bin'), ALL_BYTES);
  });
});

describe('sandbox (§3.5)', () => {
  test('only base, string, table and math plus objclass, bufferlist and magick are reachable', () => {
    const absent = ['io', 'os', 'package', 'debug', 'coroutine', 'utf8', 'loadfile', 'dofile',
      'xpcall', 'loadstring', 'unpack', 'bit32', 'cmsgpack'];
    const present = ['string', 'table', 'math', 'load', 'pcall', 'print', 'collectgarbage', 'setmetatable',
      'rawget', 'select', 'next', 'bufferlist', 'objclass', 'magick', 'require'];
    const body = `
      for _, n in ipairs({${absent.map((n) => `'${n}'`).join(',')}}) do assert(_G[n] == nil, n) end
      for _, n in ipairs({${present.map((n) => `'${n}'`).join(',')}}) do assert(_G[n] ~= nil, n) end`;
    assert.equal(handler(fresh(), body).ret, 0);
  });

  test('objclass has exactly the 23 Ceph functions and the errno constants Ceph exposes', () => {
    const body = `
      local fns = {}
      for k, v in pairs(objclass) do if type(v) == 'function' then fns[#fns + 1] = k end end
      table.sort(fns)
      output:append(table.concat(fns, ' '))
      assert(objclass.EPERM == 1 and objclass.ENOENT == 2 and objclass.EEXIST == 17 and objclass.ERANGE == 34)
      assert(objclass.ENODATA == nil and objclass.ECANCELED == nil and objclass.EOPNOTSUPP == nil and objclass.ENOTEMPTY == nil)`;
    const r = handler(fresh(), body);
    assert.equal(r.ret, 0, r.error?.message);
    assert.equal(r.out.toString(), 'create current_subop_num current_subop_version current_version getxattr getxattrs '
      + 'log map_clear map_get_keys map_get_val map_get_vals map_read_header map_remove_key map_set_val map_set_vals '
      + 'map_write_header read register remove setxattr stat write write_full');
  });

  test('cls is an alias of objclass (Sepia convenience)', () => {
    assert.equal(handler(fresh(), 'assert(cls == objclass)').ret, 0);
  });

  test('load accepts text and refuses precompiled chunks', () => {
    const body = `
      assert(load('return 1 + 1')() == 2)
      local f, err = load(string.dump(function() end))
      assert(f == nil and err:find('binary'))`;
    const r = handler(fresh(), body);
    assert.equal(r.ret, 0, r.error?.message);
  });

  test('globals, library changes and the string metatable do not leak into the next call', () => {
    const obj = fresh();
    assert.equal(run(obj, "leak = 5 string.leak = 1 math.pi = 3 getmetatable('').__index = { len = function() return 99 end } load('loaded_leak = 1')()").ret, 0);
    const r = run(obj, "assert(leak == nil and loaded_leak == nil and string.leak == nil and math.pi > 3.14 and ('abc'):len() == 3)");
    assert.equal(r.ret, 0, r.error?.message);
  });

  test('a cached script runs with a fresh environment every time', () => {
    const script = 'count = (count or 0) + 1 function h(i, o) o:append(tostring(count)) end objclass.register(h)';
    assert.equal(run(fresh(), script, 'h').out.toString(), '1');
    assert.equal(run(fresh(), script, 'h').out.toString(), '1');
  });

  test('a finalizer cannot reach the object after its call ended', () => {
    const obj = fresh();
    const host = obj.scratch();
    const script = "collectgarbage('stop') setmetatable({}, { __gc = function() objclass.create(false) end })";
    const req = parseEvalBufferlist(encodeEvalBufferlist({ script, handler: '', input: Buffer.alloc(0) }));
    const r = vm.call(req, BUDGETS, (call) => dispatchHostCall(host, call));
    assert.equal(r.ret, 0);
    assert.equal(host.calls, 0);
    assert.equal(vm.cleanupFailureCount, 0);
  });

  test('no finalizer a call leaves behind reaches a later call, however it was attached', () => {
    // Without collectgarbage('stop'), via a bufferlist's metatable, and via a metatable whose
    // __gc is added only after setmetatable (Lua does not mark that object at all).
    // The finalizers hold objclass.create in an upvalue: the chunk's _ENV is cleared after the
    // call, so a global lookup would fail anyway.
    const scripts = [
      "local create = objclass.create setmetatable({}, { __gc = function() create(false) end })",
      "local create = objclass.create getmetatable(bufferlist.new()).__gc = function() create(false) end local keep = bufferlist.new()",
      "local create = objclass.create local mt = {} setmetatable({}, mt) mt.__gc = function() create(false) end",
    ];
    for (const script of scripts) {
      const first = fresh().scratch();
      const req = parseEvalBufferlist(encodeEvalBufferlist({ script, handler: '', input: Buffer.alloc(0) }));
      assert.equal(vm.call(req, BUDGETS, (call) => dispatchHostCall(first, call)).ret, 0);
      const later = fresh().scratch();
      // Plenty of allocation, so any pending finalizer would run during this call.
      const churn = parseEvalBufferlist(encodeEvalBufferlist({ script: 'for i = 1, 20000 do local t = { i } end collectgarbage()', handler: '', input: Buffer.alloc(0) }));
      assert.equal(vm.call(churn, BUDGETS, (call) => dispatchHostCall(later, call)).ret, 0);
      assert.equal(first.calls + later.calls, 0, script);
    }
    assert.equal(vm.cleanupFailureCount, 0);
  });

  test('collector settings a call changes are restored for the next call', () => {
    const obj = fresh();
    assert.equal(run(obj, "collectgarbage('stop') collectgarbage('generational')").ret, 0);
    const r = run(obj, "assert(collectgarbage('isrunning')) assert(collectgarbage('incremental') == 'incremental')");
    assert.equal(r.ret, 0, r.error?.message);
  });

  test('calls that skip the full collection still leave the heap near its live size', () => {
    const start = vm.fullCollectionCount;
    for (let i = 0; i < 300; i++) handler(fresh(), "local t = {} for i = 1, 200 do t[i] = string.rep('x', 50) .. i end output:append('ok')");
    assert.ok(vm.fullCollectionCount - start < 300, 'some calls skipped the full collection');
    const r = handler(fresh(), "output:append('ok')");
    assert.equal(r.out.toString(), 'ok');
    assert.ok(vm.memoryUsedBytes < 2 * 1024 * 1024, `${vm.memoryUsedBytes} bytes after 300 calls`);
  });

  test('print goes to the call log', () => {
    assert.deepEqual(run(fresh(), "print('hello', 1, true)").log, ['hello\t1\ttrue']);
  });
});

describe('error mapping (§3.2, §3.6)', () => {
  test('an uncaught objclass failure becomes its errno, any other error EIO', () => {
    assert.equal(handler(fresh(), 'objclass.stat()').ret, -ERRNO.ENOENT);
    assert.equal(handler(fresh(), 'error({code = 1})').ret, -ERRNO.EIO);
    assert.equal(handler(fresh(), 'local ok = pcall(objclass.stat) error("after")').ret, -ERRNO.EIO);
  });

  test('pcall reports objclass failures as false, -errno, message and other errors as false, message', () => {
    const body = `
      local ok, ret, msg = pcall(objclass.stat)
      assert(ok == false and ret == -2 and msg == 'No such file or directory')
      local ok2, msg2, extra = pcall(error, 'plain')
      assert(ok2 == false and msg2 == 'plain' and extra == nil)`;
    assert.equal(handler(fresh(), body).ret, 0);
  });

  test('output appended before an error is not returned; a returned errno keeps it', () => {
    const err = handler(fresh(), "output:append('partial') error('boom')");
    assert.equal(err.ret, -ERRNO.EIO);
    assert.equal(err.out.length, 0);
    const neg = handler(fresh(), "output:append('why') return -22");
    assert.equal(neg.ret, -ERRNO.EINVAL);
    assert.equal(neg.out.toString(), 'why');
  });

  test('a traceback is attached when the request asks for one', () => {
    const req = parseEvalBufferlist(encodeEvalBufferlist({
      script: "function deep() error('deep failure') end function h() deep() end objclass.register(h)",
      handler: 'h',
      input: Buffer.alloc(0),
    }));
    const host = fresh().scratch();
    const r = vm.call({ ...req, trace: true }, BUDGETS, (call) => dispatchHostCall(host, call));
    assert.equal(r.ret, -ERRNO.EIO);
    assert.match(r.error?.message ?? '', /deep failure/);
    assert.match(r.error?.traceback ?? '', /stack traceback/);
  });
});

describe('limits (Sepia extension)', () => {
  test('an endless loop hits the instruction budget: ETIMEDOUT and nothing applied', () => {
    const obj = existing('before');
    const r = handler(obj, "objclass.write_full(input) while true do end", Buffer.from('after'));
    assert.equal(r.ret, -ERRNO.ETIMEDOUT);
    assert.match(r.error?.message ?? '', /instruction budget/);
    assert.equal(obj.state.data.toString(), 'before');
  });

  test('pcall cannot swallow a budget overrun', () => {
    const r = handler(fresh(), 'while true do pcall(function() while true do end end) end');
    assert.equal(r.ret, -ERRNO.ETIMEDOUT);
  });

  test('the wall-clock deadline stops a loop when the instruction budget is large', () => {
    const budgets = { ...BUDGETS, maxInstructions: 1e12, timeout_ms: 100 };
    const r = run(fresh(), 'while true do end', '', Buffer.alloc(0), budgets);
    assert.equal(r.ret, -ERRNO.ETIMEDOUT);
    assert.match(r.error?.message ?? '', /deadline/);
  });

  test('a table bomb is ENOMEM and nothing applied', () => {
    const obj = existing('before');
    const r = handler(obj, "objclass.write_full(input) local t = {} for i = 1, 1e9 do t[i] = {i} end", Buffer.from('after'));
    assert.equal(r.ret, -ERRNO.ENOMEM);
    assert.equal(obj.state.data.toString(), 'before');
  });

  test('string.rep of 1e9 bytes is ENOMEM, even under pcall', () => {
    assert.equal(handler(fresh(), 'local s = string.rep("x", 1e9)').ret, -ERRNO.ENOMEM);
    const r = handler(fresh(), 'while true do pcall(string.rep, "x", 1e9) end');
    assert.equal(r.ret, -ERRNO.ENOMEM);
  });

  test('the VM is usable and back to its baseline memory after every limit', () => {
    const baseline = vm.memoryUsedBytes;
    handler(fresh(), 'local t = {} for i = 1, 1e9 do t[i] = {i} end');
    handler(fresh(), 'while true do end');
    const r = handler(fresh(), "output:append('still here')");
    assert.equal(r.out.toString(), 'still here');
    assert.ok(vm.memoryUsedBytes < baseline + 256 * 1024, `${vm.memoryUsedBytes} vs ${baseline}`);
  });
});
