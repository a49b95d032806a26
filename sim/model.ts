// The expected-state model, in the spirit of Ceph's RadosModel: for every object, the set of
// states it may be in given what was acknowledged. A write with a known outcome maps each
// candidate through the op (keeping those whose predicted return code matches the one observed);
// a write whose outcome is unknown (the client gave up) keeps both the old and new candidates;
// a read must match one candidate, which then becomes the only one. A read that matches none —
// typically an older value than one acknowledged — is a violation.

import { ERRNO } from '../src/core/errors.js';
import { invariant } from '../src/core/assert.js';

export interface ObjState {
  readonly exists: boolean;
  readonly data: Buffer;
  readonly xattrs: ReadonlyMap<string, Buffer>;
  readonly omap: ReadonlyMap<string, Buffer>;
}

export type WriteKind =
  | { readonly op: 'write'; readonly offset: number; readonly data: Buffer }
  | { readonly op: 'writefull'; readonly data: Buffer }
  | { readonly op: 'append'; readonly data: Buffer }
  | { readonly op: 'remove' }
  | { readonly op: 'setxattr'; readonly name: string; readonly value: Buffer }
  | { readonly op: 'rmxattr'; readonly name: string }
  | { readonly op: 'omapset'; readonly entries: ReadonlyArray<readonly [string, Buffer]> }
  | { readonly op: 'omaprm'; readonly keys: readonly string[] };

export type WriteOutcome =
  | { readonly kind: 'ok'; readonly version: number }
  | { readonly kind: 'error'; readonly errno: number }
  | { readonly kind: 'unknown'; readonly why: string };

/** Candidates kept per object; beyond this the object's history is too ambiguous to check. */
const CANDIDATES_MAX = 64;

export const ABSENT: ObjState = { exists: false, data: Buffer.alloc(0), xattrs: new Map(), omap: new Map() };

/** What the OSD must do with `w` on an object in state `s` (spec/objects.md §2–4). */
export function applyWrite(s: ObjState, w: WriteKind): { ret: number; next: ObjState } {
  switch (w.op) {
    case 'write': {
      const size = Math.max(s.data.length, w.offset + w.data.length);
      const data = Buffer.alloc(size);
      s.data.copy(data);
      w.data.copy(data, w.offset);
      return { ret: 0, next: { ...s, exists: true, data } };
    }
    case 'writefull':
      return { ret: 0, next: { ...s, exists: true, data: Buffer.from(w.data) } };
    case 'append':
      return { ret: 0, next: { ...s, exists: true, data: Buffer.concat([s.data, w.data]) } };
    case 'remove':
      return s.exists ? { ret: 0, next: ABSENT } : { ret: -ERRNO.ENOENT, next: s };
    case 'setxattr':
      return { ret: 0, next: { ...s, exists: true, xattrs: new Map([...s.xattrs, [w.name, w.value]]) } };
    case 'rmxattr': {
      if (!s.exists) return { ret: -ERRNO.ENOENT, next: s };
      const xattrs = new Map(s.xattrs);
      xattrs.delete(w.name);
      return { ret: 0, next: { ...s, xattrs } };
    }
    case 'omapset':
      return { ret: 0, next: { ...s, exists: true, omap: new Map([...s.omap, ...w.entries]) } };
    case 'omaprm': {
      if (!s.exists) return { ret: -ERRNO.ENOENT, next: s };
      const omap = new Map(s.omap);
      for (const k of w.keys) omap.delete(k);
      return { ret: 0, next: { ...s, omap } };
    }
    default: {
      const never: never = w;
      invariant(false, `write kind ${String(never)}`);
    }
  }
}

function sortedEntries(m: ReadonlyMap<string, Buffer>): string {
  return [...m.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v.toString('hex')}`)
    .join(',');
}

export function stateKey(s: ObjState): string {
  if (!s.exists) return 'absent';
  return `data=${s.data.toString('hex')} xattrs{${sortedEntries(s.xattrs)}} omap{${sortedEntries(s.omap)}}`;
}

export function describeState(s: ObjState): string {
  if (!s.exists) return 'absent';
  const short = (b: Buffer): string => (b.length <= 12 ? b.toString('hex') : `${b.subarray(0, 12).toString('hex')}…`);
  return `size=${s.data.length} data=${short(s.data)} xattrs=[${[...s.xattrs.keys()].sort().join(',')}] omap=[${[...s.omap.keys()].sort().join(',')}]`;
}

export function describeWrite(w: WriteKind): string {
  switch (w.op) {
    case 'write':
      return `write(${w.offset}, ${w.data.length}B)`;
    case 'writefull':
      return `writefull(${w.data.length}B)`;
    case 'append':
      return `append(${w.data.length}B)`;
    case 'remove':
      return 'remove';
    case 'setxattr':
      return `setxattr(${w.name}, ${w.value.length}B)`;
    case 'rmxattr':
      return `rmxattr(${w.name})`;
    case 'omapset':
      return `omapset(${w.entries.map(([k]) => k).join(',')})`;
    case 'omaprm':
      return `omaprm(${w.keys.join(',')})`;
    default: {
      const never: never = w;
      return String(never);
    }
  }
}

class ObjectModel {
  candidates: ObjState[] = [ABSENT];
  /** Highest user_version acknowledged for a write to this object. */
  ackedVersion = 0;
  /** Too many unknown outcomes: no longer checked (counted in the summary). */
  ambiguous = false;
  readonly history: string[] = [];

  note(line: string): void {
    this.history.push(line);
    if (this.history.length > 12) this.history.shift();
  }
}

export class Model {
  private readonly objects = new Map<string, ObjectModel>();

  private obj(name: string): ObjectModel {
    let o = this.objects.get(name);
    if (o === undefined) {
      o = new ObjectModel();
      this.objects.set(name, o);
    }
    return o;
  }

  names(): string[] {
    return [...this.objects.keys()].sort();
  }

  get ambiguousObjects(): number {
    return [...this.objects.values()].filter((o) => o.ambiguous).length;
  }

  /** The one state the object must be in, when only one is possible. */
  certain(name: string): ObjState | undefined {
    const o = this.obj(name);
    return o.candidates.length === 1 ? o.candidates[0] : undefined;
  }

  /** Records a write's outcome; returns a violation message, or undefined. */
  onWrite(name: string, w: WriteKind, outcome: WriteOutcome): string | undefined {
    const o = this.obj(name);
    o.note(`${describeWrite(w)} -> ${outcome.kind === 'ok' ? `ok v${outcome.version}` : outcome.kind === 'error' ? `errno ${outcome.errno}` : `unknown (${outcome.why})`}`);
    if (o.ambiguous) return undefined;
    const next = new Map<string, ObjState>();
    const add = (s: ObjState): void => {
      next.set(stateKey(s), s);
    };
    if (outcome.kind === 'unknown') {
      for (const s of o.candidates) {
        add(s);
        add(applyWrite(s, w).next);
      }
    } else {
      const ret = outcome.kind === 'ok' ? 0 : -outcome.errno;
      for (const s of o.candidates) {
        const p = applyWrite(s, w);
        if (p.ret === ret) add(p.next);
      }
      if (next.size === 0) {
        return `${describeWrite(w)} on ${name} returned ${ret}, which no acknowledged history allows (possible: ${o.candidates.map(describeState).join(' | ')})`;
      }
      if (outcome.kind === 'ok') {
        if (outcome.version <= o.ackedVersion) {
          return `${describeWrite(w)} on ${name} acknowledged version ${outcome.version}, not above the earlier acknowledged ${o.ackedVersion}`;
        }
        o.ackedVersion = outcome.version;
      }
    }
    o.candidates = [...next.values()];
    if (o.candidates.length > CANDIDATES_MAX) o.ambiguous = true;
    return undefined;
  }

  /** Checks a read; returns a violation message, or undefined. */
  onRead(name: string, seen: ObjState, version: number | undefined): string | undefined {
    const o = this.obj(name);
    o.note(`read -> ${describeState(seen)}${version !== undefined ? ` v${version}` : ''}`);
    if (o.ambiguous) return undefined;
    const key = stateKey(seen);
    const match = o.candidates.find((s) => stateKey(s) === key);
    if (match === undefined) {
      return (
        `read of ${name} returned ${describeState(seen)}, but acknowledged writes allow only ` +
        `${o.candidates.map(describeState).join(' | ')}; recent history: ${o.history.join('; ')}`
      );
    }
    if (seen.exists && version !== undefined && version < o.ackedVersion) {
      return `read of ${name} returned user_version ${version}, older than the acknowledged ${o.ackedVersion}`;
    }
    o.candidates = [match];
    return undefined;
  }

  /** Test hook: pretends a write was acknowledged that never happened (the checker must notice). */
  sabotage(name: string, data: Buffer): void {
    const o = this.obj(name);
    o.candidates = o.candidates.map((s) => ({ ...s, exists: true, data }));
  }
}
