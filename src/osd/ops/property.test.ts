// Random compound ops: the engine (with its steps applied by the memory view) against a tiny
// reference model written straight from spec/objects.md, operating on a plain object. After
// every op the results, the return value, the version and the object state must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ERRNO } from '../../core/errors.js';
import { executeOps } from './engine.js';
import { applySteps, memoryView, type MemoryObjectState } from './memory-view.js';
import { DEFAULT_OP_LIMITS, type OpContext, type SubOp, type SubOpOut, type SubOpResult, type Timespec } from './types.js';

const MAX_SIZE = 48;
const LIST_CAP = 3;
const NAME_MAX = 4;
const FAILOK = 0x2;
const RETURNVEC = 1024;
const REPLY_CAP = 64;
const MTIME: Timespec = { sec: 99, nsec: 1 };
const ZERO_TIME: Timespec = { sec: 0, nsec: 0 };

// ---- the reference model -------------------------------------------------------------------

interface Model {
  exists: boolean;
  data: Buffer;
  xattrs: Map<string, Buffer>;
  omap: Map<string, Buffer>;
  header: Buffer;
  mtime: Timespec;
  version: number;
}

const E = (name: keyof typeof ERRNO): SubOpResult => ({ ret: -ERRNO[name] });
const OK: SubOpResult = { ret: 0 };
const bytewise = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
const sorted = (m: Map<string, Buffer>): Array<[string, Buffer]> => [...m.entries()].sort((x, y) => bytewise(x[0], y[0]));
const fresh = (): Model => ({ exists: true, data: Buffer.alloc(0), xattrs: new Map(), omap: new Map(), header: Buffer.alloc(0), mtime: ZERO_TIME, version: 0 });
const clone = (m: Model): Model => ({ ...m, data: Buffer.from(m.data), xattrs: new Map(m.xattrs), omap: new Map(m.omap) });
const tooBig = (off: number, len: number): boolean => off >= MAX_SIZE || len > MAX_SIZE || off + len > MAX_SIZE;
const isWrite = (op: SubOp): boolean =>
  ['create', 'write', 'writefull', 'append', 'writesame', 'truncate', 'zero', 'remove', 'set_alloc_hint', 'setxattr', 'rmxattr',
    'omap_set', 'omap_set_header', 'omap_rm_keys', 'omap_rm_range', 'omap_clear'].includes(op.op);

function resize(m: Model, size: number): void {
  const next = Buffer.alloc(size);
  m.data.copy(next, 0, 0, Math.min(size, m.data.length));
  m.data = next;
}

function writeBytes(m: Model, off: number, data: Buffer): void {
  if (off + data.length > m.data.length) resize(m, off + data.length);
  data.copy(m.data, off);
}

function listing(m: Model, after: string, prefix: string, max: number): { entries: Array<[string, Buffer]>; more: boolean } {
  if (!m.exists) return { entries: [], more: false };
  const matching = sorted(m.omap).filter(([k]) => (bytewise(prefix, after) > 0 ? bytewise(k, prefix) >= 0 : bytewise(k, after) > 0));
  const run: Array<[string, Buffer]> = [];
  for (const e of matching) {
    if (!e[0].startsWith(prefix)) break;
    run.push(e);
  }
  const n = Math.min(max, LIST_CAP);
  return { entries: run.slice(0, n), more: run.length > n };
}

/** One sub-op on the model; returns the result and whether it modified the object. */
function step(m: Model, op: SubOp, startVersion: number): [SubOpResult, boolean] {
  switch (op.op) {
    case 'create':
      if (m.exists && op.exclusive) return [E('EEXIST'), false];
      if (!m.exists) Object.assign(m, fresh());
      return [OK, true];
    case 'write':
    case 'append': {
      const off = op.op === 'append' ? (m.exists ? m.data.length : 0) : op.offset;
      if (op.op === 'write' && op.length !== op.data.length) return [E('EINVAL'), false];
      if (tooBig(off, op.data.length)) return [E('EFBIG'), false];
      if (!m.exists) Object.assign(m, fresh());
      if (op.data.length > 0) writeBytes(m, off, op.data);
      else if (off > m.data.length) resize(m, off);
      return [OK, true];
    }
    case 'writefull': {
      if (tooBig(0, op.data.length)) return [E('EFBIG'), false];
      const nothing = m.exists && m.data.length === 0 && op.data.length === 0;
      if (!m.exists) Object.assign(m, fresh());
      m.data = Buffer.from(op.data);
      return [OK, !nothing];
    }
    case 'writesame': {
      if (op.length === 0) return [OK, false];
      if (op.data.length === 0 || op.length % op.data.length !== 0) return [E('EINVAL'), false];
      if (tooBig(op.offset, op.length)) return [E('EFBIG'), false];
      if (!m.exists) Object.assign(m, fresh());
      writeBytes(m, op.offset, Buffer.alloc(op.length, op.data));
      return [OK, true];
    }
    case 'read': {
      const size = m.exists ? m.data.length : 0;
      const end = Math.min(op.offset + (op.length === 0 ? size : op.length), size);
      return [{ ret: 0, out: { kind: 'data', data: Buffer.from(op.offset < end ? m.data.subarray(op.offset, end) : []) } }, false];
    }
    case 'sparse_read': {
      if (!m.exists) return [E('ENOENT'), false];
      const end = Math.min(op.offset + (op.length === 0 ? m.data.length : op.length), m.data.length);
      // The model has no allocation map: keep the range and check the engine's extents against it.
      return [{ ret: 0, out: { kind: 'extents', extents: [[op.offset, Math.max(0, end - op.offset)]], data: m.data } }, false];
    }
    case 'stat':
      return m.exists ? [{ ret: 0, out: { kind: 'stat', size: m.data.length, mtime: m.mtime } }, false] : [E('ENOENT'), false];
    case 'truncate':
      if (!m.exists) return [OK, false];
      if (tooBig(op.size, 0)) return [E('EFBIG'), false];
      resize(m, op.size);
      return [OK, true];
    case 'zero': {
      if (op.length === 0) return [E('EINVAL'), false];
      const size = m.data.length;
      if (m.exists && op.offset < MAX_SIZE && op.length <= MAX_SIZE && op.offset + op.length >= size) {
        if (op.offset >= size) return [OK, false];
        if (tooBig(op.offset, op.length)) return [E('EFBIG'), false];
        resize(m, op.offset);
        return [OK, true];
      }
      if (tooBig(op.offset, op.length)) return [E('EFBIG'), false];
      if (!m.exists) return [OK, false];
      m.data.fill(0, op.offset, op.offset + op.length);
      return [OK, true];
    }
    case 'remove':
      if (!m.exists) return [E('ENOENT'), false];
      Object.assign(m, fresh(), { exists: false });
      return [OK, true];
    case 'set_alloc_hint':
      if (!m.exists) Object.assign(m, fresh());
      return [OK, true];
    case 'cmpext':
      for (let i = 0; i < op.data.length; i++) {
        if (op.data[i] !== (m.exists ? (m.data[op.offset + i] ?? 0) : 0)) return [{ ret: -(4095 + i) }, false];
      }
      return [OK, false];
    case 'assert_exists':
      return [m.exists ? OK : E('ENOENT'), false];
    case 'assert_version':
      if (op.version === 0) return [E('EINVAL'), false];
      return [op.version < startVersion ? E('ERANGE') : op.version > startVersion ? E('EOVERFLOW') : OK, false];
    case 'setxattr':
      if (Buffer.byteLength(op.name) > NAME_MAX) return [E('ENAMETOOLONG'), false];
      if (!m.exists) Object.assign(m, fresh());
      m.xattrs.set(op.name, op.value);
      return [OK, true];
    case 'getxattr': {
      if (!m.exists) return [E('ENOENT'), false];
      const v = m.xattrs.get(op.name);
      return [v === undefined ? E('ENODATA') : { ret: 0, out: { kind: 'data', data: v } }, false];
    }
    case 'getxattrs':
      return m.exists ? [{ ret: 0, out: { kind: 'xattrs', xattrs: sorted(m.xattrs) } }, false] : [E('ENOENT'), false];
    case 'rmxattr':
      if (!m.exists) return [E('ENOENT'), false];
      m.xattrs.delete(op.name);
      return [OK, true];
    case 'cmpxattr': {
      if (!m.exists) return [E('ENOENT'), false];
      const c = Buffer.compare(op.value, m.xattrs.get(op.name) ?? Buffer.alloc(0));
      const table: Record<number, boolean> = { 1: c === 0, 2: c !== 0, 3: c > 0, 4: c >= 0, 5: c < 0, 6: c <= 0 };
      const holds = op.mode === 1 ? table[op.cmp] : undefined;
      return [holds === undefined ? E('EINVAL') : holds ? { ret: 1 } : E('ECANCELED'), false];
    }
    case 'omap_set':
      if (!m.exists) Object.assign(m, fresh());
      for (const [k, v] of op.entries) m.omap.set(k, v);
      return [OK, true];
    case 'omap_set_header':
      if (!m.exists) Object.assign(m, fresh());
      m.header = op.value;
      return [OK, true];
    case 'omap_get_header':
      return [{ ret: 0, out: { kind: 'data', data: m.exists ? m.header : Buffer.alloc(0) } }, false];
    case 'omap_get_keys': {
      const l = listing(m, op.startAfter, '', op.max);
      return [{ ret: 0, out: { kind: 'keys', keys: l.entries.map(([k]) => k), more: l.more } }, false];
    }
    case 'omap_get_vals': {
      const l = listing(m, op.startAfter, op.prefix, op.max);
      return [{ ret: 0, out: { kind: 'vals', entries: l.entries, more: l.more } }, false];
    }
    case 'omap_get_vals_by_keys': {
      const entries = m.exists ? sorted(m.omap).filter(([k]) => op.keys.includes(k)) : [];
      return [{ ret: 0, out: { kind: 'vals', entries, more: false } }, false];
    }
    case 'omap_rm_keys':
      if (!m.exists) return [E('ENOENT'), false];
      for (const k of op.keys) m.omap.delete(k);
      return [OK, true];
    case 'omap_rm_range':
      if (!m.exists) return [E('ENOENT'), false];
      for (const k of [...m.omap.keys()]) if (bytewise(k, op.begin) >= 0 && bytewise(k, op.end) < 0) m.omap.delete(k);
      return [OK, true];
    case 'omap_clear': {
      if (!m.exists) return [E('ENOENT'), false];
      const had = m.omap.size > 0 || m.header.length > 0;
      m.omap.clear();
      m.header = Buffer.alloc(0);
      return [OK, had];
    }
    case 'omap_cmp': {
      if (!m.exists) return [E('ENOENT'), false];
      const byKey = new Map<string, readonly [Buffer, number]>();
      for (const [k, v, c] of op.assertions) byKey.set(k, [v, c]);
      for (const [k, [v, c]] of [...byKey.entries()].sort((x, y) => bytewise(x[0], y[0]))) {
        const cmp = Buffer.compare(m.omap.get(k) ?? Buffer.alloc(0), v);
        if (c !== 1 && c !== 3 && c !== 5) return [E('EINVAL'), false];
        if (!(c === 1 ? cmp === 0 : c === 3 ? cmp > 0 : cmp < 0)) return [E('ECANCELED'), false];
      }
      return [OK, false];
    }
    default:
      throw new Error(`model does not cover ${op.op}`);
  }
}

function outBytes(out: SubOpOut | undefined): number {
  if (out === undefined) return 0;
  if (out.kind === 'data') return out.data.length;
  if (out.kind === 'stat') return 16;
  if (out.kind === 'xattrs') return 4 + out.xattrs.reduce((n, [k, v]) => n + 8 + Buffer.byteLength(k) + v.length, 0);
  if (out.kind === 'keys') return 5 + out.keys.reduce((n, k) => n + 4 + Buffer.byteLength(k), 0);
  if (out.kind === 'vals') return 5 + out.entries.reduce((n, [k, v]) => n + 8 + Buffer.byteLength(k) + v.length, 0);
  return Number.NaN; // sparse_read outputs depend on allocation; the generator keeps them out of RETURNVEC ops
}

interface ModelOutcome { ret: number; results: SubOpResult[]; state: Model; version: number }

function modelRun(start: Model, ops: readonly SubOp[], flags: number, pgLast: number): ModelOutcome {
  const results: SubOpResult[] = ops.map(() => OK);
  const readVersion = start.exists ? start.version : pgLast;
  const fail = (ret: number): ModelOutcome => ({ ret, results, state: start, version: readVersion });
  if (ops.length === 0) return fail(0);
  if (!start.exists && !ops.some(isWrite)) return fail(-ERRNO.ENOENT);
  const m = clone(start);
  const startVersion = start.exists ? start.version : 0;
  let touched = false;
  let result = 0;
  for (const [i, op] of ops.entries()) {
    const [r, t] = step(m, op, startVersion);
    results[i] = r;
    result = r.ret < 0 && ((op.flags ?? 0) & FAILOK) !== 0 ? 0 : r.ret;
    if (result < 0) return fail(result);
    touched ||= t;
  }
  if (!touched) return { ret: result, results, state: start, version: readVersion };
  const version = Math.max(pgLast, startVersion) + 1;
  if ((flags & RETURNVEC) !== 0) {
    const over = results.map((r, i) => (outBytes(r.out) > REPLY_CAP ? i : -1)).filter((i) => i >= 0);
    for (const i of over) results[i] = { ret: -ERRNO.EOVERFLOW };
    if (over.length > 0) return fail(-ERRNO.EOVERFLOW);
  } else {
    for (const [i, r] of results.entries()) results[i] = { ret: r.ret };
    result = 0;
  }
  const state = m.exists ? { ...m, mtime: MTIME, version } : { ...fresh(), exists: false };
  return { ret: result, results, state, version };
}

// ---- generators ----------------------------------------------------------------------------

const key = fc.constantFrom('a', 'ab', 'b', 'ba', 'c', 'é', '');
const small = fc.uint8Array({ maxLength: 6 }).map((u) => Buffer.from(u));
const text = fc.constantFrom('', '0', 'a', 'ab', 'b', 'zz').map((s) => Buffer.from(s));
const off = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constantFrom(MAX_SIZE - 1, MAX_SIZE, MAX_SIZE + 5));
const len = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constantFrom(MAX_SIZE, MAX_SIZE + 1));

const subOp: fc.Arbitrary<SubOp> = fc.oneof(
  fc.record({ op: fc.constant('create' as const), exclusive: fc.boolean() }),
  fc.tuple(off, small, fc.boolean()).map(([o, d, lie]) => ({ op: 'write' as const, offset: o, length: lie ? d.length + 1 : d.length, data: d })),
  small.map((d) => ({ op: 'writefull' as const, data: d })),
  small.map((d) => ({ op: 'append' as const, data: d })),
  fc.record({ op: fc.constant('writesame' as const), offset: off, length: len, data: fc.uint8Array({ maxLength: 3 }).map((u) => Buffer.from(u)) }),
  fc.record({ op: fc.constant('read' as const), offset: off, length: len }),
  fc.record({ op: fc.constant('sparse_read' as const), offset: off, length: len }),
  fc.constant({ op: 'stat' as const }),
  fc.record({ op: fc.constant('truncate' as const), size: off }),
  fc.record({ op: fc.constant('zero' as const), offset: off, length: len }),
  fc.constant({ op: 'remove' as const }),
  fc.constant({ op: 'set_alloc_hint' as const, objectSize: 0, writeSize: 0, hintFlags: 0 }),
  fc.record({ op: fc.constant('cmpext' as const), offset: off, data: small }),
  fc.constant({ op: 'assert_exists' as const }),
  fc.record({ op: fc.constant('assert_version' as const), version: fc.integer({ min: 0, max: 14 }) }),
  fc.record({ op: fc.constant('setxattr' as const), name: fc.constantFrom('a', 'b', 'long!'), value: text }),
  fc.record({ op: fc.constant('getxattr' as const), name: fc.constantFrom('a', 'b') }),
  fc.constant({ op: 'getxattrs' as const }),
  fc.record({ op: fc.constant('rmxattr' as const), name: fc.constantFrom('a', 'b') }),
  fc.record({ op: fc.constant('cmpxattr' as const), name: fc.constantFrom('a', 'b'), cmp: fc.integer({ min: 0, max: 7 }), mode: fc.constantFrom(1, 1, 1, 5), value: text }),
  fc.record({ op: fc.constant('omap_set' as const), entries: fc.array(fc.tuple(key, text), { maxLength: 3 }) }),
  fc.record({ op: fc.constant('omap_set_header' as const), value: text }),
  fc.constant({ op: 'omap_get_header' as const }),
  fc.record({ op: fc.constant('omap_get_keys' as const), startAfter: key, max: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ op: fc.constant('omap_get_vals' as const), startAfter: key, prefix: fc.constantFrom('', 'a', 'b'), max: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ op: fc.constant('omap_get_vals_by_keys' as const), keys: fc.array(key, { maxLength: 3 }) }),
  fc.record({ op: fc.constant('omap_rm_keys' as const), keys: fc.array(key, { maxLength: 3 }) }),
  fc.record({ op: fc.constant('omap_rm_range' as const), begin: key, end: key }),
  fc.constant({ op: 'omap_clear' as const }),
  fc.record({ op: fc.constant('omap_cmp' as const), assertions: fc.array(fc.tuple(key, text, fc.constantFrom(1, 3, 5, 2)), { maxLength: 2 }) }),
).chain((op) => fc.boolean().map((failok) => (failok ? { ...op, flags: FAILOK } : op) as SubOp));

const compound = fc.record({
  ops: fc.array(subOp, { maxLength: 5 }),
  returnvec: fc.boolean(),
  pgLast: fc.integer({ min: 0, max: 12 }),
});

const initial = fc.record({
  exists: fc.boolean(),
  data: fc.uint8Array({ maxLength: 16 }).map((u) => Buffer.from(u)),
  xattrs: fc.array(fc.tuple(fc.constantFrom('a', 'b'), text), { maxLength: 2 }),
  omap: fc.array(fc.tuple(key, text), { maxLength: 4 }),
  header: text,
});

// ---- comparison ----------------------------------------------------------------------------

function sameResult(engine: SubOpResult | undefined, model: SubOpResult | undefined, modelState: Model, label: string): void {
  assert.ok(engine !== undefined && model !== undefined, label);
  assert.equal(engine.ret, model.ret, `${label} ret`);
  if (model.out?.kind === 'extents') {
    // Engine extents must lie inside the range and cover every non-zero byte of it.
    assert.equal(engine.out?.kind, 'extents', label);
    if (engine.out?.kind !== 'extents') return;
    const [[from, length] = [0, 0]] = model.out.extents;
    const covered = new Set<number>();
    let at = 0;
    for (const [o, l] of engine.out.extents) {
      assert.ok(o >= from && o + l <= from + length, `${label} extent inside range`);
      assert.deepEqual(engine.out.data.subarray(at, at + l), modelState.data.subarray(o, o + l), `${label} extent data`);
      for (let i = o; i < o + l; i++) covered.add(i);
      at += l;
    }
    for (let i = from; i < from + length; i++) if (!covered.has(i)) assert.equal(modelState.data[i], 0, `${label} hole at ${i}`);
    return;
  }
  assert.deepEqual(engine.out, model.out, `${label} out`);
}

function toMemory(m: Model): MemoryObjectState {
  return { exists: m.exists, data: m.data, extents: m.data.length > 0 ? [[0, m.data.length]] : [], xattrs: m.xattrs, omap: m.omap, header: m.header, mtime: m.mtime, userVersion: m.version };
}

test('random compound ops agree with the reference model (state, results, return value, version)', async () => {
  await fc.assert(
    fc.asyncProperty(initial, fc.array(compound, { minLength: 1, maxLength: 5 }), async (init, sequence) => {
      let model: Model = {
        exists: init.exists,
        data: init.exists ? init.data : Buffer.alloc(0),
        xattrs: new Map(init.exists ? init.xattrs : []),
        omap: new Map(init.exists ? init.omap : []),
        header: init.exists ? init.header : Buffer.alloc(0),
        mtime: init.exists ? { sec: 5, nsec: 0 } : ZERO_TIME,
        version: init.exists ? 3 : 0,
      };
      let state = toMemory(model);
      for (const [n, c] of sequence.entries()) {
        // sparse_read extents are allocation-dependent, so RETURNVEC size checks skip those ops.
        const returnvec = c.returnvec && !c.ops.some((o) => o.op === 'sparse_read');
        const ctx: OpContext = {
          mtime: MTIME,
          operationFlags: returnvec ? RETURNVEC : 0,
          pgLastUserVersion: c.pgLast,
          limits: { ...DEFAULT_OP_LIMITS, maxObjectSizeBytes: MAX_SIZE, maxOmapEntriesPerRequest: LIST_CAP, maxAttrNameLen: NAME_MAX },
        };
        const outcome = await executeOps(memoryView(state), c.ops, ctx);
        const before = model;
        const expected = modelRun(model, c.ops, ctx.operationFlags, c.pgLast);
        const label = `op ${n} ${JSON.stringify(c.ops.map((o) => o.op))}`;
        assert.equal(outcome.ret, expected.ret, `${label} overall ret`);
        assert.equal(outcome.version, expected.version, `${label} version`);
        assert.equal(outcome.results.length, expected.results.length);
        outcome.results.forEach((r, i) => {
          // sparse_read sees the op's own earlier sub-ops: replay them on a copy for the check.
          const scratch = clone(before);
          for (const op of c.ops.slice(0, i)) step(scratch, op, before.exists ? before.version : 0);
          sameResult(r, expected.results[i], scratch, `${label} #${i} ${c.ops[i]?.op}`);
        });
        state = outcome.ret >= 0 ? applySteps(state, outcome.steps, outcome.meta) : state;
        model = expected.state;
        assert.equal(state.exists, model.exists, `${label} exists`);
        if (model.exists) {
          assert.deepEqual(state.data, model.data, `${label} data`);
          assert.deepEqual(sorted(new Map(state.xattrs)), sorted(model.xattrs), `${label} xattrs`);
          assert.deepEqual(sorted(new Map(state.omap)), sorted(model.omap), `${label} omap`);
          assert.deepEqual(state.header, model.header, `${label} header`);
          assert.deepEqual(state.mtime, model.mtime, `${label} mtime`);
          assert.equal(state.userVersion, model.version, `${label} user_version`);
        }
      }
    }),
    { numRuns: 1000 },
  );
});
