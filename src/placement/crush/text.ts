// CRUSH map text form: compiles Ceph's decompiled format (`crushtool -d` output) into a CrushMap
// and prints a CrushMap back in exactly the layout crushtool -d produces.

import { invariant } from '../../core/assert.js';
import { ERRNO, RadosError } from '../../core/errors.js';
import { formatFixed } from './format.js';
import {
  BucketAlg,
  type BucketAlgCode,
  type BucketAlgName,
  type CrushBucket,
  type CrushDevice,
  type CrushMap,
  type CrushRule,
  type CrushRuleStep,
  CRUSH_LEGACY_ALLOWED_BUCKET_ALGS,
  RuleOp,
  RuleType,
  TUNABLES_PROFILES,
  type CrushTunables,
  WEIGHT_ONE,
  bucketWeight,
  maxDevices,
} from './types.js';

/** A malformed CRUSH text map: EINVAL with the 1-based line where parsing stopped. */
export class CrushTextError extends RadosError {
  readonly line: number;
  readonly detail: string;
  constructor(line: number, detail: string) {
    super(ERRNO.EINVAL, `crush map line ${line}: ${detail}`);
    this.name = 'CrushTextError';
    this.line = line;
    this.detail = detail;
  }
}

/** Limits that keep a hostile text map from exhausting memory. */
export const CRUSH_TEXT_MAX_BYTES = 16 * 1024 * 1024;
const MAX_ITEMS_PER_BUCKET = 65536;
const MAX_STEPS_PER_RULE = 256;
/** Ceph's CRUSH_MAX_DEVICE_WEIGHT (100 * 0x10000) and CRUSH_MAX_BUCKET_WEIGHT. */
const MAX_DEVICE_WEIGHT = 100 * WEIGHT_ONE;
const MAX_BUCKET_WEIGHT = 65535 * WEIGHT_ONE;

interface Token {
  text: string;
  line: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    const hash = line.indexOf('#');
    if (hash >= 0) line = line.slice(0, hash);
    // Braces and brackets are tokens of their own even when glued to a word.
    for (const word of line.replace(/([{}[\]])/g, ' $1 ').split(/\s+/)) {
      if (word.length > 0) tokens.push({ text: word, line: i + 1 });
    }
  }
  return tokens;
}

const NAME_RE = /^[A-Za-z0-9_.-]+$/;
const INT_RE = /^[-+]?[0-9]+$/;
const FLOAT_RE = /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/;

class Parser {
  private pos = 0;
  private readonly lastLine: number;
  constructor(private readonly tokens: Token[]) {
    this.lastLine = tokens.length > 0 ? tokens[tokens.length - 1]!.line : 1;
  }

  atEnd(): boolean {
    return this.pos >= this.tokens.length;
  }
  peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }
  line(): number {
    return this.peek()?.line ?? this.lastLine;
  }
  fail(detail: string, line = this.line()): never {
    throw new CrushTextError(line, detail);
  }
  next(what: string): Token {
    const t = this.tokens[this.pos];
    if (t === undefined) this.fail(`unexpected end of input, expected ${what}`);
    this.pos++;
    return t;
  }
  expect(word: string): Token {
    const t = this.next(`'${word}'`);
    if (t.text !== word) this.fail(`expected '${word}', found '${t.text}'`, t.line);
    return t;
  }
  accept(word: string): boolean {
    if (this.peek()?.text === word) {
      this.pos++;
      return true;
    }
    return false;
  }
  name(what: string): Token {
    const t = this.next(what);
    if (!NAME_RE.test(t.text) || t.text === '{' || t.text === '}') this.fail(`expected ${what}, found '${t.text}'`, t.line);
    return t;
  }
  int(what: string): number {
    const t = this.next(what);
    if (!INT_RE.test(t.text)) this.fail(`expected integer ${what}, found '${t.text}'`, t.line);
    const v = Number.parseInt(t.text, 10);
    if (v < -0x80000000 || v > 0x7fffffff) this.fail(`${what} ${t.text} out of range`, t.line);
    return v;
  }
  float(what: string): number {
    const t = this.next(what);
    if (!FLOAT_RE.test(t.text)) this.fail(`expected number ${what}, found '${t.text}'`, t.line);
    return Number.parseFloat(t.text);
  }
}

const TUNABLE_KEYS: Record<string, keyof CrushTunables> = {
  choose_local_tries: 'chooseLocalTries',
  choose_local_fallback_tries: 'chooseLocalFallbackTries',
  choose_total_tries: 'chooseTotalTries',
  chooseleaf_descend_once: 'chooseleafDescendOnce',
  chooseleaf_vary_r: 'chooseleafVaryR',
  chooseleaf_stable: 'chooseleafStable',
  straw_calc_version: 'strawCalcVersion',
  allowed_bucket_algs: 'allowedBucketAlgs',
};

const SET_STEPS: Record<string, CrushRuleStep['op']> = {
  set_choose_tries: RuleOp.setChooseTries,
  set_choose_local_tries: RuleOp.setChooseLocalTries,
  set_choose_local_fallback_tries: RuleOp.setChooseLocalFallbackTries,
  set_chooseleaf_tries: RuleOp.setChooseleafTries,
  set_chooseleaf_vary_r: RuleOp.setChooseleafVaryR,
  set_chooseleaf_stable: RuleOp.setChooseleafStable,
};

/** Weight text → 16.16 the way Ceph does it: strtof, times 65536 in float, truncated. */
function textWeight(w: number): number {
  return Math.trunc(Math.fround(Math.fround(w) * WEIGHT_ONE));
}

/** Compiles Ceph's CRUSH text format. Throws CrushTextError (EINVAL, with line) on bad input. */
export function compileCrushText(text: string): CrushMap {
  if (text.length > CRUSH_TEXT_MAX_BYTES) throw new CrushTextError(1, `map text larger than ${CRUSH_TEXT_MAX_BYTES} bytes`);
  const tokens = tokenize(text);
  const p: Parser = new Parser(tokens);

  // Ceph legacy tunables apply unless the text overrides them: a map without `tunable` lines is
  // an argonaut-era map.
  const tunables: CrushTunables = { ...TUNABLES_PROFILES.legacy };
  const devices: CrushDevice[] = [];
  const typeIds = new Map<string, number>();
  const types: Array<{ id: number; name: string }> = [];
  const buckets: CrushBucket[] = [];
  const rules: CrushRule[] = [];
  const itemIds = new Map<string, number>();
  const itemWeights = new Map<number, number>();
  const usedIds = new Set<number>();
  const ruleNames = new Set<string>();

  // Ceph reserves every explicit bucket id (first statement of a block) before assigning ids
  // to buckets that have none, so an id-less bucket never steals a later bucket's id.
  for (let i = 0; i + 4 < tokens.length; i++) {
    if (tokens[i + 2]!.text === '{' && tokens[i + 3]!.text === 'id' && tokens[i]!.text !== 'rule' && INT_RE.test(tokens[i + 4]!.text)) {
      usedIds.add(Number.parseInt(tokens[i + 4]!.text, 10));
    }
  }

  while (!p.atEnd()) {
    const head = p.peek()!;
    switch (head.text) {
      case 'tunable': {
        p.next('tunable');
        const name = p.name('tunable name');
        const value = p.int('tunable value');
        const key = TUNABLE_KEYS[name.text];
        if (key === undefined) p.fail(`tunable ${name.text} not recognized`, name.line);
        tunables[key] = value;
        break;
      }
      case 'device': {
        p.next('device');
        const id = p.int('device id');
        const name = p.name('device name');
        if (id < 0) p.fail(`device id ${id} must be >= 0`, head.line);
        if (itemIds.has(name.text)) p.fail(`item ${name.text} defined twice`, name.line);
        const device: CrushDevice = { id, name: name.text };
        if (p.accept('class')) device.deviceClass = p.name('device class').text;
        itemIds.set(name.text, id);
        devices.push(device);
        break;
      }
      case 'type': {
        p.next('type');
        const id = p.int('type id');
        const name = p.name('type name');
        if (id < 0) p.fail(`type id ${id} must be >= 0`, head.line);
        const existing = types.findIndex((t) => t.id === id);
        if (existing >= 0) types.splice(existing, 1);
        types.push({ id, name: name.text });
        typeIds.set(name.text, id);
        break;
      }
      case 'rule':
        rules.push(parseRule(p, itemIds, typeIds, ruleNames, rules));
        break;
      case 'choose_args':
        p.fail('choose_args sections are not supported');
        break;
      default: {
        if (!typeIds.has(head.text)) {
          if (p.peek(2)?.text === '{') p.fail(`bucket type '${head.text}' is not defined`);
          p.fail(`unexpected '${head.text}'`);
        }
        const bucket = parseBucket(p, typeIds, itemIds, itemWeights, usedIds);
        buckets.push(bucket);
        break;
      }
    }
  }
  types.sort((a, b) => a.id - b.id);
  devices.sort((a, b) => a.id - b.id);
  rules.sort((a, b) => a.id - b.id);
  return { tunables, devices, types, buckets, rules };
}

function parseBucket(
  p: Parser,
  typeIds: Map<string, number>,
  itemIds: Map<string, number>,
  itemWeights: Map<number, number>,
  usedIds: Set<number>,
): CrushBucket {
  const typeTok = p.next('bucket type');
  const type = typeIds.get(typeTok.text)!;
  const nameTok = p.name('bucket name');
  const name = nameTok.text;
  if (itemIds.has(name)) p.fail(`bucket or device '${name}' is already defined`, nameTok.line);
  p.expect('{');
  let id = 0;
  let alg: BucketAlgCode | undefined;
  let hash = 0;
  const classIds: Array<{ deviceClass: string; id: number }> = [];
  const entries: Array<{ item: number; weight: number; pos: number; line: number; name: string }> = [];
  const usedPos = new Set<number>();
  for (;;) {
    const t = p.next(`'}' closing bucket ${name}`);
    if (t.text === '}') break;
    switch (t.text) {
      case 'id': {
        const v = p.int('bucket id');
        if (v >= 0) p.fail(`bucket id ${v} must be negative`, t.line);
        if (p.accept('class')) classIds.push({ deviceClass: p.name('class name').text, id: v });
        else id = v;
        break;
      }
      case 'alg': {
        const a = p.name('bucket alg');
        if (!(a.text in BucketAlg)) p.fail(`unknown bucket alg '${a.text}'`, a.line);
        const code = BucketAlg[a.text as BucketAlgName];
        if (code === BucketAlg.tree || code === BucketAlg.straw) {
          p.fail(`bucket alg '${a.text}' is not supported by Sepia (use straw2, uniform or list)`, a.line);
        }
        alg = code;
        break;
      }
      case 'hash': {
        const h = p.name('hash');
        if (h.text === 'rjenkins1') hash = 0;
        else if (INT_RE.test(h.text)) hash = Number.parseInt(h.text, 10);
        else p.fail(`unknown hash '${h.text}'`, h.line);
        if (hash !== 0) p.fail(`hash ${hash} is not supported (only 0, rjenkins1)`, h.line);
        break;
      }
      case 'item': {
        const itemTok = p.name('item name');
        const item = itemIds.get(itemTok.text);
        if (item === undefined) p.fail(`item '${itemTok.text}' in bucket '${name}' is not defined`, itemTok.line);
        let weight = itemWeights.get(item) ?? WEIGHT_ONE;
        let pos = -1;
        for (;;) {
          if (p.accept('weight')) {
            const wl = p.line();
            const w = p.float('item weight');
            if (w < 0) p.fail('item weight must be >= 0', wl);
            weight = textWeight(w);
            if (item >= 0 && weight > MAX_DEVICE_WEIGHT) p.fail(`device weight limited to ${MAX_DEVICE_WEIGHT / WEIGHT_ONE}`, wl);
            if (item < 0 && weight > MAX_BUCKET_WEIGHT) p.fail(`bucket weight limited to ${MAX_BUCKET_WEIGHT / WEIGHT_ONE} to prevent overflow`, wl);
          } else if (p.accept('pos')) {
            const pl = p.line();
            pos = p.int('item pos');
            if (pos < 0) p.fail('item pos must be >= 0', pl);
            if (usedPos.has(pos)) p.fail(`item '${itemTok.text}' in bucket '${name}' has explicit pos ${pos}, which is occupied`, pl);
            usedPos.add(pos);
          } else {
            break;
          }
        }
        entries.push({ item, weight, pos, line: itemTok.line, name: itemTok.text });
        if (entries.length > MAX_ITEMS_PER_BUCKET) p.fail(`bucket '${name}' has more than ${MAX_ITEMS_PER_BUCKET} items`, itemTok.line);
        break;
      }
      default:
        p.fail(`unexpected '${t.text}' in bucket '${name}'`, t.line);
    }
  }
  if (alg === undefined) p.fail(`bucket '${name}' has no alg`, nameTok.line);
  let size = entries.length;
  for (const pos of usedPos) size = Math.max(size, pos);
  const items = new Array<number>(size).fill(0);
  const weights = new Array<number>(size).fill(0);
  let curpos = 0;
  let total = 0;
  let uniformWeight: number | undefined;
  for (const e of entries) {
    if (alg === BucketAlg.uniform) {
      if (uniformWeight === undefined) uniformWeight = e.weight;
      else if (uniformWeight !== e.weight) {
        p.fail(`item '${e.name}' in uniform bucket '${name}' has weight ${e.weight} but previous item(s) have weight ${uniformWeight / WEIGHT_ONE}; uniform bucket items must all have identical weights.`, e.line);
      }
    }
    let pos = e.pos;
    if (pos >= size) p.fail(`item '${e.name}' in bucket '${name}' has pos ${pos} >= size ${size}`, e.line);
    if (pos < 0) {
      while (usedPos.has(curpos)) curpos++;
      pos = curpos++;
    }
    items[pos] = e.item;
    weights[pos] = e.weight;
    total += e.weight;
    if (total > 0xffffffff) p.fail('bucket weights overflow; lower the item weights', e.line);
  }
  if (id === 0) {
    id = -1;
    // Bounded by the number of ids in use, each at most once.
    while (usedIds.has(id)) id--;
  }
  usedIds.add(id);
  itemIds.set(name, id);
  itemWeights.set(id, total);
  const bucket: CrushBucket = { id, name, type, alg, hash, items, weights };
  if (classIds.length > 0) bucket.classIds = classIds;
  return bucket;
}

function parseRule(
  p: Parser,
  itemIds: Map<string, number>,
  typeIds: Map<string, number>,
  ruleNames: Set<string>,
  rules: CrushRule[],
): CrushRule {
  const head = p.expect('rule');
  let name = '';
  if (p.peek()?.text !== '{') {
    const n = p.name('rule name');
    if (ruleNames.has(n.text)) p.fail(`rule name '${n.text}' already defined`, n.line);
    name = n.text;
    ruleNames.add(name);
  }
  p.expect('{');
  const idTok = p.next("'id'");
  if (idTok.text !== 'id' && idTok.text !== 'ruleset') p.fail(`expected 'id', found '${idTok.text}'`, idTok.line);
  const idLine = p.line();
  const id = p.int('rule id');
  if (id < 0 || id > 255) p.fail(`rule id ${id} out of range 0..255`, idLine);
  if (rules.some((r) => r.id === id)) p.fail(`rule ${id} already exists`, idLine);
  p.expect('type');
  const typeTok = p.name('rule type');
  let type: number;
  if (typeTok.text === 'replicated') type = RuleType.replicated;
  else if (typeTok.text === 'erasure') type = RuleType.erasure;
  else if (INT_RE.test(typeTok.text)) type = Number.parseInt(typeTok.text, 10);
  else p.fail(`unknown rule type '${typeTok.text}'`, typeTok.line);
  let minSize = 1;
  let maxSize = 10;
  if (p.accept('min_size')) minSize = p.int('min_size');
  if (p.accept('max_size')) maxSize = p.int('max_size');
  const steps: CrushRuleStep[] = [];
  for (;;) {
    const t = p.next(`'}' closing rule ${name}`);
    if (t.text === '}') break;
    if (t.text !== 'step') p.fail(`expected 'step' or '}', found '${t.text}'`, t.line);
    if (steps.length >= MAX_STEPS_PER_RULE) p.fail(`rule has more than ${MAX_STEPS_PER_RULE} steps`, t.line);
    const op = p.name('step kind');
    switch (op.text) {
      case 'take': {
        const item = p.name('take item');
        const itemId = itemIds.get(item.text);
        if (itemId === undefined) p.fail(`in rule '${name}' item '${item.text}' not defined`, item.line);
        if (p.peek()?.text === 'class') p.fail(`in rule '${name}' step take ${item.text} class: device-class shadow trees are not supported`);
        steps.push({ op: RuleOp.take, arg1: itemId, arg2: 0 });
        break;
      }
      case 'emit':
        steps.push({ op: RuleOp.emit, arg1: 0, arg2: 0 });
        break;
      case 'noop':
        steps.push({ op: RuleOp.noop, arg1: 0, arg2: 0 });
        break;
      case 'choose':
      case 'chooseleaf': {
        const mode = p.name('firstn or indep');
        if (mode.text !== 'firstn' && mode.text !== 'indep') p.fail(`expected 'firstn' or 'indep', found '${mode.text}'`, mode.line);
        const n = p.int('replica count');
        p.expect('type');
        const tt = p.name('type name');
        const typeId = typeIds.get(tt.text);
        if (typeId === undefined) p.fail(`in rule '${name}' type '${tt.text}' not defined`, tt.line);
        const leaf = op.text === 'chooseleaf';
        const opCode = mode.text === 'firstn'
          ? (leaf ? RuleOp.chooseleafFirstn : RuleOp.chooseFirstn)
          : (leaf ? RuleOp.chooseleafIndep : RuleOp.chooseIndep);
        steps.push({ op: opCode, arg1: n, arg2: typeId });
        break;
      }
      default: {
        const setOp = SET_STEPS[op.text];
        if (setOp === undefined) p.fail(`unknown step '${op.text}'`, op.line);
        steps.push({ op: setOp, arg1: p.int(op.text), arg2: 0 });
      }
    }
  }
  invariant(head.text === 'rule', 'parser entered rule without the keyword');
  return { id, name, type, minSize, maxSize, steps };
}

// ---------------------------------------------------------------------------------------------
// Decompile

function fixed3(w: number): string {
  // Ceph prints (float)w / (float)0x10000 with "%.3f".
  return formatFixed(Math.fround(Math.fround(w) / WEIGHT_ONE), 3);
}

const ALG_NAMES: Record<number, string> = { 1: 'uniform', 2: 'list', 3: 'tree', 4: 'straw', 5: 'straw2' };

/** Prints a map in crushtool -d's layout, byte for byte. */
export function decompileCrushMap(map: CrushMap): string {
  const out: string[] = [];
  const t = map.tunables;
  out.push('# begin crush map\n');
  // crushtool prints a tunable only where it differs from the legacy (argonaut) value.
  if (t.chooseLocalTries !== 2) out.push(`tunable choose_local_tries ${t.chooseLocalTries}\n`);
  if (t.chooseLocalFallbackTries !== 5) out.push(`tunable choose_local_fallback_tries ${t.chooseLocalFallbackTries}\n`);
  if (t.chooseTotalTries !== 19) out.push(`tunable choose_total_tries ${t.chooseTotalTries}\n`);
  if (t.chooseleafDescendOnce !== 0) out.push(`tunable chooseleaf_descend_once ${t.chooseleafDescendOnce}\n`);
  if (t.chooseleafVaryR !== 0) out.push(`tunable chooseleaf_vary_r ${t.chooseleafVaryR}\n`);
  if (t.chooseleafStable !== 0) out.push(`tunable chooseleaf_stable ${t.chooseleafStable}\n`);
  if (t.strawCalcVersion !== 0) out.push(`tunable straw_calc_version ${t.strawCalcVersion}\n`);
  if (t.allowedBucketAlgs !== CRUSH_LEGACY_ALLOWED_BUCKET_ALGS) out.push(`tunable allowed_bucket_algs ${t.allowedBucketAlgs}\n`);

  const names = new Map<number, string>();
  for (const d of map.devices) names.set(d.id, d.name);
  for (const b of map.buckets) names.set(b.id, b.name);
  const itemName = (id: number): string => names.get(id) ?? (id >= 0 ? `device${id}` : `bucket${-1 - id}`);
  const typeNames = new Map<number, string>(map.types.map((ty) => [ty.id, ty.name]));
  const typeName = (id: number): string => typeNames.get(id) ?? (id === 0 ? 'device' : `type${id}`);

  out.push('\n# devices\n');
  const devices = [...map.devices].sort((a, b) => a.id - b.id);
  const maxDev = maxDevices(map);
  for (const d of devices) {
    if (d.id >= maxDev) continue;
    out.push(`device ${d.id} ${d.name}${d.deviceClass !== undefined ? ` class ${d.deviceClass}` : ''}\n`);
  }

  out.push('\n# types\n');
  const types = [...map.types].sort((a, b) => a.id - b.id);
  if (types[0]?.id !== 0) out.push('type 0 osd\n');
  for (const ty of types) out.push(`type ${ty.id} ${ty.name}\n`);

  out.push('\n# buckets\n');
  const byId = new Map(map.buckets.map((b) => [b.id, b]));
  const done = new Set<number>();
  const inProgress = new Set<number>();
  const emitBucket = (id: number): void => {
    const b = byId.get(id);
    if (b === undefined || done.has(id)) return;
    invariant(!inProgress.has(id), `bucket ${b.name} contains itself: buckets must form a DAG`);
    inProgress.add(id);
    for (const item of b.items) if (item < 0) emitBucket(item);
    inProgress.delete(id);
    done.add(id);
    out.push(`${typeName(b.type)} ${b.name} {\n`);
    out.push(`\tid ${b.id}\t\t# do not change unnecessarily\n`);
    for (const c of b.classIds ?? []) out.push(`\tid ${c.id} class ${c.deviceClass}\t\t# do not change unnecessarily\n`);
    out.push(`\t# weight ${fixed3(bucketWeight(b))}\n`);
    out.push(`\talg ${ALG_NAMES[b.alg] ?? String(b.alg)}`);
    let dopos = false;
    if (b.alg === BucketAlg.uniform) {
      out.push(`\t# do not change bucket size (${b.items.length}) unnecessarily`);
      dopos = true;
    } else if (b.alg === BucketAlg.list) {
      out.push('\t# add new items at the end; do not change order unnecessarily');
    } else if (b.alg === BucketAlg.tree) {
      out.push('\t# do not change pos for existing items unnecessarily');
      dopos = true;
    }
    out.push('\n');
    out.push(`\thash ${b.hash}\t# ${b.hash === 0 ? 'rjenkins1' : 'unknown'}\n`);
    for (let j = 0; j < b.items.length; j++) {
      out.push(`\titem ${itemName(b.items[j]!)} weight ${fixed3(b.weights[j]!)}${dopos ? ` pos ${j}` : ''}\n`);
    }
    out.push('}\n');
  };
  let minBucket = 0;
  for (const b of map.buckets) minBucket = Math.min(minBucket, b.id);
  for (let id = -1; id >= minBucket; id--) emitBucket(id);

  out.push('\n# rules\n');
  const rules = [...map.rules].sort((a, b) => a.id - b.id);
  for (const r of rules) {
    out.push(`rule ${r.name.length > 0 ? r.name : ''} {\n`);
    out.push(`\tid ${r.id}\n`);
    if (r.type === RuleType.replicated) out.push('\ttype replicated\n');
    else if (r.type === RuleType.erasure) out.push('\ttype erasure\n');
    else out.push(`\ttype ${r.type}\n`);
    out.push(`\tmin_size ${r.minSize}\n`);
    out.push(`\tmax_size ${r.maxSize}\n`);
    for (const s of r.steps) out.push(stepText(s, itemName, typeName));
    out.push('}\n');
  }
  out.push('\n# end crush map\n');
  return out.join('');
}

function stepText(s: CrushRuleStep, itemName: (id: number) => string, typeName: (id: number) => string): string {
  switch (s.op) {
    case RuleOp.noop:
      return '\tstep noop\n';
    case RuleOp.take:
      return `\tstep take ${itemName(s.arg1)}\n`;
    case RuleOp.emit:
      return '\tstep emit\n';
    case RuleOp.setChooseTries:
      return `\tstep set_choose_tries ${s.arg1}\n`;
    case RuleOp.setChooseLocalTries:
      return `\tstep set_choose_local_tries ${s.arg1}\n`;
    case RuleOp.setChooseLocalFallbackTries:
      return `\tstep set_choose_local_fallback_tries ${s.arg1}\n`;
    case RuleOp.setChooseleafTries:
      return `\tstep set_chooseleaf_tries ${s.arg1}\n`;
    case RuleOp.setChooseleafVaryR:
      return `\tstep set_chooseleaf_vary_r ${s.arg1}\n`;
    case RuleOp.setChooseleafStable:
      return `\tstep set_chooseleaf_stable ${s.arg1}\n`;
    case RuleOp.chooseFirstn:
      return `\tstep choose firstn ${s.arg1} type ${typeName(s.arg2)}\n`;
    case RuleOp.chooseIndep:
      return `\tstep choose indep ${s.arg1} type ${typeName(s.arg2)}\n`;
    case RuleOp.chooseleafFirstn:
      return `\tstep chooseleaf firstn ${s.arg1} type ${typeName(s.arg2)}\n`;
    case RuleOp.chooseleafIndep:
      return `\tstep chooseleaf indep ${s.arg1} type ${typeName(s.arg2)}\n`;
    default:
      // crushtool prints nothing for an opcode it does not know.
      return '';
  }
}
