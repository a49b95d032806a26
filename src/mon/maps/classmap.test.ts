import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RadosError, type ErrnoName } from '../../core/errors.js';
import {
  CLASSMAP_LIMITS, classByName, emptyClassMap, isClassMap, listClasses, registerClass, removeClass, splitTraceMethod,
  type ClassRegistration,
} from './classmap.js';

const T1 = '2026-11-23T00:00:00.000Z';
const T2 = '2026-11-24T00:00:00.000Z';
const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);

function reg(over: Partial<ClassRegistration> = {}): ClassRegistration {
  return {
    name: 'thumbs', script: 'function get() end objclass.register(get, "rd")', sha256: SHA_A, size_bytes: 48,
    methods: [{ name: 'put', flags: 'rdwr' }, { name: 'get', flags: 'rd' }], ...over,
  };
}

function errno(name: ErrnoName): (e: unknown) => boolean {
  return (e) => RadosError.is(e) && e.code === name;
}

test('registering a class advances the epoch and stores version 1 with sorted methods', () => {
  const m = registerClass(emptyClassMap(), T1, reg());
  assert.equal(m.epoch, 1);
  const c = classByName(m, 'thumbs');
  assert.ok(c);
  assert.equal(c.version, 1);
  assert.equal(c.registered, T1);
  assert.deepEqual(c.methods, [{ name: 'get', flags: 'rd' }, { name: 'put', flags: 'rdwr' }]);
  assert.ok(isClassMap(m));
});

test('a higher version replaces the class; an omitted version means the next one', () => {
  const m1 = registerClass(emptyClassMap(), T1, reg());
  const m2 = registerClass(m1, T2, reg({ version: 5, sha256: SHA_B, methods: [{ name: 'get', flags: 'wr' }] }));
  assert.equal(classByName(m2, 'thumbs')?.version, 5);
  assert.deepEqual(classByName(m2, 'thumbs')?.methods, [{ name: 'get', flags: 'wr' }]);
  assert.equal(classByName(m2, 'thumbs')?.registered, T2);
  const m3 = registerClass(m2, T2, reg({ sha256: SHA_A }));
  assert.equal(classByName(m3, 'thumbs')?.version, 6);
  assert.equal(m3.epoch, 3);
});

test('the same version with the same script is a no-op, with another script EEXIST, lower EEXIST', () => {
  const m1 = registerClass(emptyClassMap(), T1, reg({ version: 2 }));
  assert.equal(registerClass(m1, T2, reg({ version: 2 })), m1);
  assert.throws(() => registerClass(m1, T2, reg({ version: 2, sha256: SHA_B })), errno('EEXIST'));
  assert.throws(() => registerClass(m1, T2, reg({ version: 1, sha256: SHA_B })), errno('EEXIST'));
});

test('built-in class names, bad names, bad flags and empty method lists are refused', () => {
  const m = emptyClassMap();
  assert.throws(() => registerClass(m, T1, reg({ name: 'lua' })), errno('EEXIST'));
  assert.throws(() => registerClass(m, T1, reg({ name: 'lock' })), errno('EEXIST'));
  assert.throws(() => registerClass(m, T1, reg({ name: 'has space' })), errno('EINVAL'));
  assert.throws(() => registerClass(m, T1, reg({ name: 'x'.repeat(CLASSMAP_LIMITS.maxNameLen + 1) })), errno('EINVAL'));
  assert.throws(() => registerClass(m, T1, reg({ methods: [] })), errno('EINVAL'));
  assert.throws(() => registerClass(m, T1, reg({ methods: [{ name: 'get+trace', flags: 'rd' }] })), errno('EINVAL'));
  assert.throws(() => registerClass(m, T1, reg({ methods: [{ name: 'a', flags: 'rw' as 'rd' }] })), errno('EINVAL'));
  assert.throws(() => registerClass(m, T1, reg({ methods: [{ name: 'a', flags: 'rd' }, { name: 'a', flags: 'wr' }] })), errno('EINVAL'));
  assert.throws(() => registerClass(m, T1, reg({ version: 0 })), errno('EINVAL'));
  assert.throws(() => registerClass(m, T1, reg({ sha256: 'xyz' })), errno('EINVAL'));
  assert.throws(() => registerClass(m, T1, reg({ size_bytes: CLASSMAP_LIMITS.maxScriptBytes + 1 })), errno('EFBIG'));
});

test('the number of classes is bounded', () => {
  let m = emptyClassMap();
  for (let i = 0; i < CLASSMAP_LIMITS.maxClasses; i++) m = registerClass(m, T1, reg({ name: `c${i}` }));
  assert.throws(() => registerClass(m, T1, reg({ name: 'one_more' })), errno('ENOSPC'));
  // Replacing an existing class is still allowed at the limit.
  assert.equal(classByName(registerClass(m, T1, reg({ name: 'c0', version: 2, sha256: SHA_B })), 'c0')?.version, 2);
});

test('removing a class advances the epoch; removing an unknown class is ENOENT', () => {
  const m1 = registerClass(emptyClassMap(), T1, reg());
  const m2 = removeClass(m1, 'thumbs');
  assert.equal(m2.epoch, 2);
  assert.equal(classByName(m2, 'thumbs'), undefined);
  assert.throws(() => removeClass(m2, 'thumbs'), errno('ENOENT'));
  assert.equal(classByName(m2, 'toString'), undefined);
});

test('listing shows every class by name without its script', () => {
  const m = registerClass(registerClass(emptyClassMap(), T1, reg({ name: 'zeta' })), T1, reg({ name: 'alpha' }));
  const list = listClasses(m);
  assert.deepEqual(list.map((c) => c.name), ['alpha', 'zeta']);
  assert.equal('script' in (list[0] as object), false);
});

test('a trace request is the method name with the +trace suffix', () => {
  assert.deepEqual(splitTraceMethod('get+trace'), { method: 'get', trace: true });
  assert.deepEqual(splitTraceMethod('get'), { method: 'get', trace: false });
});

test('malformed maps are recognised', () => {
  assert.equal(isClassMap(null), false);
  assert.equal(isClassMap({ epoch: 1, classes: { a: { name: 'a' } } }), false);
  assert.equal(isClassMap({ epoch: 1, classes: {} }), true);
});
