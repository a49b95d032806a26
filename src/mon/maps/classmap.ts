// The ClassMap: object classes registered cluster-wide by name (a Sepia extension; Ceph loads
// classes from shared libraries on each OSD's disk). Pure data plus pure transitions: every
// change returns a new map with epoch + 1, which the monitor persists before pushing it to the
// OSDs. OSDs compile and cache each script; clients call `NAME.method` without sending it.

import { invariant } from '../../core/assert.js';
import { RadosError } from '../../core/errors.js';

/** What a method may do, as declared by `objclass.register(f, flags)` (omitted = "rdwr"). */
export type ClassMethodFlags = 'rd' | 'wr' | 'rdwr';
export const CLASS_METHOD_FLAGS: readonly ClassMethodFlags[] = ['rd', 'wr', 'rdwr'];

export interface ClassMethodDecl {
  readonly name: string;
  readonly flags: ClassMethodFlags;
}

export interface RegisteredClass {
  readonly name: string;
  /** Grows on every re-registration; calls always run the current version. */
  readonly version: number;
  /** Lua source. */
  readonly script: string;
  /** Hex sha256 of the script's UTF-8 bytes. */
  readonly sha256: string;
  readonly size_bytes: number;
  /** Sorted by name. */
  readonly methods: readonly ClassMethodDecl[];
  /** ISO time of this version's registration. */
  readonly registered: string;
}

export interface ClassMap {
  readonly epoch: number;
  readonly classes: Readonly<Record<string, RegisteredClass>>;
}

/** Class names the OSD serves itself (class `lua` and the built-in classes): never registrable. */
export const RESERVED_CLASS_NAMES: ReadonlySet<string> = new Set(['lua', 'hello', 'lock', 'version', 'numops', 'refcount', 'rbd', 'striper']);

/** Limits: the whole map travels to every OSD on every change, so it stays small. */
export const CLASSMAP_LIMITS = {
  maxClasses: 256,
  maxScriptBytes: 256 * 1024,
  maxMethods: 256,
  maxNameLen: 64,
} as const;

/** Class and method names are Lua identifiers: nothing else can name a global handler. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A call may ask for the script's log and traceback by suffixing the method name with this;
 * no Lua identifier contains it, so it cannot collide with a real method.
 */
export const TRACE_METHOD_SUFFIX = '+trace';

export function emptyClassMap(): ClassMap {
  return { epoch: 0, classes: {} };
}

export function classByName(map: ClassMap, name: string): RegisteredClass | undefined {
  return Object.hasOwn(map.classes, name) ? map.classes[name] : undefined;
}

function invalid(message: string): RadosError {
  return RadosError.from('EINVAL', message);
}

function checkName(kind: 'class' | 'method', name: string): void {
  if (!IDENTIFIER.test(name) || name.length > CLASSMAP_LIMITS.maxNameLen) {
    throw invalid(`${kind} name '${name}' must be a Lua identifier of at most ${CLASSMAP_LIMITS.maxNameLen} characters`);
  }
}

export function isClassMethodFlags(v: unknown): v is ClassMethodFlags {
  return typeof v === 'string' && (CLASS_METHOD_FLAGS as readonly string[]).includes(v);
}

export function methodIsWrite(flags: ClassMethodFlags): boolean {
  return flags !== 'rd';
}

export interface ClassRegistration {
  readonly name: string;
  /** Absent: 1 for a new class, current + 1 for an existing one. */
  readonly version?: number;
  readonly script: string;
  readonly sha256: string;
  readonly size_bytes: number;
  readonly methods: readonly ClassMethodDecl[];
}

/**
 * Registers a class or replaces it with a higher version. Re-registering the same version with
 * the same script changes nothing (a retried command); the same or a lower version with another
 * script is EEXIST.
 */
export function registerClass(map: ClassMap, nowIso: string, reg: ClassRegistration): ClassMap {
  checkName('class', reg.name);
  if (RESERVED_CLASS_NAMES.has(reg.name)) throw RadosError.from('EEXIST', `class '${reg.name}' is built in`);
  if (reg.size_bytes > CLASSMAP_LIMITS.maxScriptBytes) {
    throw RadosError.from('EFBIG', `class '${reg.name}': script is ${reg.size_bytes} bytes, limit ${CLASSMAP_LIMITS.maxScriptBytes}`);
  }
  if (!/^[0-9a-f]{64}$/.test(reg.sha256)) throw invalid(`class '${reg.name}': sha256 must be 64 hex digits`);
  if (reg.methods.length === 0) throw invalid(`class '${reg.name}': the script registers no method (objclass.register)`);
  if (reg.methods.length > CLASSMAP_LIMITS.maxMethods) throw invalid(`class '${reg.name}': more than ${CLASSMAP_LIMITS.maxMethods} methods`);
  const seen = new Set<string>();
  for (const m of reg.methods) {
    checkName('method', m.name);
    if (!isClassMethodFlags(m.flags)) throw invalid(`method '${m.name}': flags must be one of ${CLASS_METHOD_FLAGS.join(', ')}`);
    if (seen.has(m.name)) throw invalid(`method '${m.name}' is declared twice`);
    seen.add(m.name);
  }
  const current = classByName(map, reg.name);
  const version = reg.version ?? (current === undefined ? 1 : current.version + 1);
  if (!Number.isSafeInteger(version) || version < 1) throw invalid(`version must be a positive integer, not ${String(reg.version)}`);
  if (current !== undefined && version <= current.version) {
    if (version === current.version && current.sha256 === reg.sha256) return map;
    throw RadosError.from('EEXIST', `class '${reg.name}' is at version ${current.version}; register a higher version to replace it`);
  }
  if (current === undefined && Object.keys(map.classes).length >= CLASSMAP_LIMITS.maxClasses) {
    throw RadosError.from('ENOSPC', `at most ${CLASSMAP_LIMITS.maxClasses} classes can be registered`);
  }
  const methods = [...reg.methods].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((m) => ({ name: m.name, flags: m.flags }));
  const entry: RegisteredClass = {
    name: reg.name, version, script: reg.script, sha256: reg.sha256, size_bytes: reg.size_bytes, methods, registered: nowIso,
  };
  const next = { epoch: map.epoch + 1, classes: { ...map.classes, [reg.name]: entry } };
  invariant(next.epoch === map.epoch + 1, 'a change advances the epoch by one');
  return next;
}

/** Removes a class: ENOENT when it is not registered. */
export function removeClass(map: ClassMap, name: string): ClassMap {
  if (classByName(map, name) === undefined) throw RadosError.from('ENOENT', `class '${name}' is not registered`);
  const classes = { ...map.classes };
  delete classes[name];
  return { epoch: map.epoch + 1, classes };
}

/** One class without its script: what `cls ls` and `cls info` show. */
export interface ClassSummary {
  readonly name: string;
  readonly version: number;
  readonly sha256: string;
  readonly size_bytes: number;
  readonly methods: readonly ClassMethodDecl[];
  readonly registered: string;
}

export function classSummary(c: RegisteredClass): ClassSummary {
  return { name: c.name, version: c.version, sha256: c.sha256, size_bytes: c.size_bytes, methods: c.methods, registered: c.registered };
}

/** Every class, sorted by name. */
export function listClasses(map: ClassMap): ClassSummary[] {
  return Object.keys(map.classes).sort().map((n) => classSummary(map.classes[n] as RegisteredClass));
}

/** Splits `method+trace` into the method and the trace request. */
export function splitTraceMethod(method: string): { readonly method: string; readonly trace: boolean } {
  return method.endsWith(TRACE_METHOD_SUFFIX)
    ? { method: method.slice(0, -TRACE_METHOD_SUFFIX.length), trace: true }
    : { method, trace: false };
}

/** Shape check for a map received from the network or the store. */
export function isClassMap(v: unknown): v is ClassMap {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  if (!Number.isSafeInteger(m['epoch']) || typeof m['classes'] !== 'object' || m['classes'] === null) return false;
  return Object.values(m['classes'] as Record<string, unknown>).every((c) => {
    if (typeof c !== 'object' || c === null) return false;
    const r = c as Record<string, unknown>;
    return typeof r['name'] === 'string' && Number.isSafeInteger(r['version']) && typeof r['script'] === 'string' &&
      typeof r['sha256'] === 'string' && Array.isArray(r['methods']) &&
      (r['methods'] as unknown[]).every((x) => typeof x === 'object' && x !== null &&
        typeof (x as Record<string, unknown>)['name'] === 'string' && isClassMethodFlags((x as Record<string, unknown>)['flags']));
  });
}
