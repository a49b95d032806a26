// `sepia crushtool`: Ceph's crushtool for Sepia's CRUSH maps — compile (-c), decompile (-d),
// build (--build) and test (--test) with the same flags and the same output text. Binary maps are
// Sepia's own encoding. All file access goes through the io object so the command is testable.

import {
  type CrushMap,
  CRUSH_ITEM_NONE,
  CrushTextError,
  RuleOp,
  WEIGHT_ONE,
  buildLayeredCrushMap,
  compileCrushText,
  crushDoRuleInto,
  crushHash32_2,
  crushRuntime,
  decodeCrushMap,
  decompileCrushMap,
  encodeCrushMap,
  formatGeneral,
  maxDevices,
} from '../placement/index.js';

export interface CrushtoolIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readFile: (p: string) => Promise<Buffer>;
  writeFile: (p: string, b: Buffer) => Promise<void>;
}

const ME = 'crushtool';
/** crushtool --test refuses x ranges beyond this many inputs per rule and replica count. */
const MAX_TEST_INPUTS = 100_000_000;

const USAGE = `usage: crushtool ...

Display, modify and test a crush map

There are five stages, running one after another:

 - input/build
 - tunables adjustments
 - modifications
 - display/test
 - output

Options that are not specific to a stage.

   [--infn|-i infile]
                         read the crush map from infile

Options for the input/build stage

   --decompile|-d map    decompile a crush map to source
   [--outfn|-o outfile]
                         specify output for for (de)compilation
   --compile|-c map.txt  compile a map from source
   --build --num_osds N layer1 ...
                         build a new map, where each 'layer' is
                           'name (uniform|straw2|list) size'

Options for the display/test stage

   --test                test a map
   --show-mappings       show mappings
   --show-statistics     show statistics
   --show-utilization    show OSD usage
   --show-utilization-all
                         include zero weight items
   --show-bad-mappings   show bad mappings
   --rule rule           use specified rule in test
   --num-rep number      use num-rep in test
   --min-x x             minimum x in test
   --max-x x             maximum x in test
   --x x                 single x in test
   --pool-id id          hash x with the pool id, as a PG's placement seed
   --weight|-w devno weight
                         set device weight to 'weight' in test
`;

class UsageError extends Error {}

/** ceph_argparse treats '-' and '_' alike after the leading "--". */
function normaliseFlag(arg: string): string {
  return arg.startsWith('--') ? `--${arg.slice(2).replace(/_/g, '-')}` : arg;
}

interface Options {
  infn?: string;
  outfn?: string;
  srcfn?: string;
  decompile: boolean;
  compile: boolean;
  build: boolean;
  numOsds: number;
  layers: string[];
  test: boolean;
  showMappings: boolean;
  showStatistics: boolean;
  showUtilization: boolean;
  showUtilizationAll: boolean;
  showBadMappings: boolean;
  rule: number;
  minRule: number;
  maxRule: number;
  minRep: number;
  maxRep: number;
  minX: number;
  maxX: number;
  poolId: number;
  deviceWeights: Map<number, number>;
  help: boolean;
}

function parseIntArg(flag: string, v: string | undefined): number {
  if (v === undefined) throw new UsageError(`Option ${flag} requires an argument.`);
  if (!/^[-+]?\d+$/.test(v)) throw new UsageError(`The option value '${v}' is invalid`);
  return Number.parseInt(v, 10);
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    decompile: false, compile: false, build: false, numOsds: 0, layers: [], test: false,
    showMappings: false, showStatistics: false, showUtilization: false, showUtilizationAll: false,
    showBadMappings: false, rule: -1, minRule: -1, maxRule: -1, minRep: -1, maxRep: -1,
    minX: -1, maxX: -1, poolId: -1, deviceWeights: new Map(), help: false,
  };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    let flag = normaliseFlag(raw);
    let inline: string | undefined;
    const eq = flag.indexOf('=');
    if (flag.startsWith('--') && eq > 0) {
      inline = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`Option ${raw} requires an argument.`);
      return v;
    };
    const intValue = (): number => parseIntArg(raw, value());
    switch (flag) {
      case '-h': case '--help': o.help = true; break;
      case '-i': case '--infn': o.infn = value(); break;
      case '-o': case '--outfn': o.outfn = value(); break;
      case '-d': case '--decompile': o.infn = value(); o.decompile = true; break;
      case '-c': case '--compile': o.srcfn = value(); o.compile = true; break;
      case '--build': o.build = true; break;
      case '--num-osds': o.numOsds = intValue(); break;
      case '-t': case '--test': o.test = true; break;
      case '--show-mappings': o.showMappings = true; break;
      case '--show-statistics': o.showStatistics = true; break;
      case '--show-utilization': o.showUtilization = true; break;
      case '--show-utilization-all': o.showUtilizationAll = true; break;
      case '--show-bad-mappings': o.showBadMappings = true; break;
      case '--rule': { const r = intValue(); o.minRule = r; o.maxRule = r; break; }
      case '--min-rule': o.minRule = intValue(); break;
      case '--max-rule': o.maxRule = intValue(); break;
      case '--num-rep': { const n = intValue(); o.minRep = n; o.maxRep = n; break; }
      case '--min-rep': o.minRep = intValue(); break;
      case '--max-rep': o.maxRep = intValue(); break;
      case '--min-x': o.minX = intValue(); break;
      case '--max-x': o.maxX = intValue(); break;
      case '--x': { const x = intValue(); o.minX = x; o.maxX = x; break; }
      case '--pool-id': o.poolId = intValue(); break;
      case '-w': case '--weight': {
        const dev = intValue();
        const w = argv[++i];
        if (w === undefined) throw new UsageError('expecting additional argument to --weight');
        o.deviceWeights.set(dev, testerDeviceWeight(Number.parseFloat(w)));
        break;
      }
      default:
        if (raw.startsWith('-') && raw.length > 1 && !/^-\d/.test(raw)) throw new UsageError(`unrecognized option '${raw}'`);
        rest.push(raw);
    }
  }
  if (rest.length > 0) {
    if (!o.build) throw new UsageError(`unrecognized arguments: [${rest.join(',')}]`);
    o.layers = rest;
  }
  return o;
}

/** CrushTester::set_device_weight: (int)(float * 0x10000), clamped to [0, 0x10000]. */
function testerDeviceWeight(f: number): number {
  const w = Number.isNaN(f) ? 0 : Math.trunc(Math.fround(Math.fround(f) * WEIGHT_ONE));
  return Math.min(Math.max(w, 0), WEIGHT_ONE);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function runCrushtool(argv: string[], io: CrushtoolIo): Promise<number> {
  let o: Options;
  try {
    o = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  if (o.help) {
    io.stdout(USAGE);
    return 0;
  }
  const outputSelected = o.showMappings || o.showStatistics || o.showUtilization || o.showUtilizationAll || o.showBadMappings;
  if (o.test && !outputSelected) io.stderr('WARNING: no output selected; use --output-csv or --show-X\n');
  if (Number(o.decompile) + Number(o.compile) + Number(o.build) > 1) {
    io.stderr('cannot specify more than one of compile, decompile, and build\n');
    return 1;
  }
  if (!o.compile && !o.decompile && !o.build && !o.test) {
    io.stderr('no action specified; -h for help\n');
    return 1;
  }
  if (o.build && o.layers.length % 3 !== 0) {
    io.stderr(`remaining args: [${o.layers.join(',')}]\n`);
    io.stderr('layers must be specified with 3-tuples of (name, buckettype, size)\n');
    return 1;
  }

  let map: CrushMap | undefined;
  if (o.infn !== undefined) {
    let bytes: Buffer;
    try {
      bytes = await io.readFile(o.infn);
    } catch (e) {
      io.stderr(`${ME}: error reading '${o.infn}': ${errorText(e)}\n`);
      return 1;
    }
    try {
      map = decodeCrushMap(bytes);
    } catch (e) {
      io.stderr(`${ME}: unable to decode ${o.infn}: ${errorText(e)}\n`);
      return 1;
    }
  }

  if (o.decompile && map !== undefined) {
    const text = decompileCrushMap(map);
    if (o.outfn !== undefined) {
      try {
        await io.writeFile(o.outfn, Buffer.from(text, 'utf8'));
      } catch (e) {
        io.stderr(`${ME}: error writing '${o.outfn}': ${errorText(e)}\n`);
        return 1;
      }
    } else {
      io.stdout(text);
    }
  }

  let modified = false;
  if (o.compile && o.srcfn !== undefined) {
    let src: Buffer;
    try {
      src = await io.readFile(o.srcfn);
    } catch {
      io.stderr(`input file ${o.srcfn} not found\n`);
      return 1;
    }
    try {
      map = compileCrushText(src.toString('utf8'));
    } catch (e) {
      if (e instanceof CrushTextError) {
        io.stderr(`${o.srcfn}:${e.line} error: ${e.detail}\n`);
        return 1;
      }
      throw e;
    }
    modified = true;
  }

  if (o.build) {
    const layers = [];
    for (let j = 0; j < o.layers.length; j += 3) {
      layers.push({ name: o.layers[j]!, alg: o.layers[j + 1]!, size: Number.parseInt(o.layers[j + 2]!, 10) || 0 });
    }
    try {
      map = buildLayeredCrushMap(o.numOsds, layers);
    } catch (e) {
      io.stderr(`${ME}: ${errorText(e)}\n`);
      return 1;
    }
    modified = true;
  }

  if (modified && map !== undefined) {
    if (o.outfn === undefined) {
      io.stdout(`${ME} successfully built or modified map.  Use '-o <file>' to write it out.\n`);
    } else {
      try {
        await io.writeFile(o.outfn, encodeCrushMap(map));
      } catch (e) {
        io.stderr(`${ME}: error writing '${o.outfn}': ${errorText(e)}\n`);
        return 1;
      }
    }
  }

  if (o.test) {
    if (map === undefined) {
      io.stderr(`${ME}: --test needs a map: use -i, -c or --build\n`);
      return 1;
    }
    const range = (o.maxX < 0 || o.minX < 0 ? 1024 : o.maxX - o.minX + 1);
    if (range > MAX_TEST_INPUTS) {
      io.stderr(`${ME}: x range of ${range} inputs exceeds ${MAX_TEST_INPUTS}\n`);
      return 1;
    }
    runTester(map, o, io);
  }
  return 0;
}

/**
 * CrushTester::get_maximum_affected_by_rule: the fewest buckets of any type a rule chooses
 * among, capped by what the rule asks for — the most distinct results a mapping can have.
 */
function maximumAffectedByRule(map: CrushMap, ruleId: number): number {
  const rule = map.rules.find((r) => r.id === ruleId);
  if (rule === undefined) return 0;
  const affected: number[] = [];
  const replications = new Map<number, number>();
  for (const s of rule.steps) {
    if (s.op >= 2 && s.op !== RuleOp.emit) {
      affected.push(s.arg2);
      replications.set(s.arg2, s.arg1);
    }
  }
  const ofType = new Map<number, number>();
  for (const t of affected) {
    // Ceph walks every named item once per affected type; devices never match (they are not
    // buckets), so this is a count of buckets of type t, repeated per occurrence of t.
    let n = ofType.get(t) ?? 0;
    for (const b of map.buckets) if (b.type === t) n++;
    ofType.set(t, n);
  }
  for (const t of affected) {
    const want = replications.get(t) ?? 0;
    if (want > 0 && want < (ofType.get(t) ?? 0)) ofType.set(t, want);
  }
  let maxBuckets = 0;
  for (const b of map.buckets) maxBuckets = Math.max(maxBuckets, -b.id);
  let maxAffected = Math.max(maxBuckets, maxDevices(map));
  for (const t of affected) {
    const n = ofType.get(t) ?? 0;
    if (n > 0 && n < maxAffected) maxAffected = n;
  }
  return maxAffected;
}

function runTester(map: CrushMap, o: Options, io: CrushtoolIo): void {
  const rt = crushRuntime(map);
  const nDevices = maxDevices(map);
  const present = new Set<number>();
  for (const b of map.buckets) for (const item of b.items) if (item >= 0) present.add(item);
  const weight = new Array<number>(nDevices);
  for (let dev = 0; dev < nDevices; dev++) {
    weight[dev] = o.deviceWeights.get(dev) ?? (present.has(dev) ? WEIGHT_ONE : 0);
  }
  const statistics = o.showStatistics || o.showUtilization || o.showUtilizationAll;
  if (o.showUtilizationAll) io.stdout(`devices weights (hex): [${weight.map((w) => w.toString(16)).join(',')}]\n`);

  let maxRules = 0;
  for (const r of map.rules) maxRules = Math.max(maxRules, r.id + 1);
  let minRule = o.minRule;
  let maxRule = o.maxRule;
  if (minRule < 0 || maxRule < 0) {
    minRule = 0;
    maxRule = maxRules - 1;
  }
  let minX = o.minX;
  let maxX = o.maxX;
  if (minX < 0 || maxX < 0) {
    minX = 0;
    maxX = 1023;
  }
  const lines: string[] = [];
  const flush = (): void => {
    if (lines.length > 0) io.stdout(lines.join(''));
    lines.length = 0;
  };
  for (let r = minRule; r < maxRules && r <= maxRule; r++) {
    const rule = map.rules.find((ru) => ru.id === r);
    if (rule === undefined) {
      if (statistics) lines.push(`rule ${r} dne\n`);
      continue;
    }
    let minr = o.minRep;
    let maxr = o.maxRep;
    if (minr < 0 || maxr < 0) {
      minr = rule.minSize;
      maxr = rule.maxSize;
    }
    if (statistics) lines.push(`rule ${r} (${rule.name}), x = ${minX}..${maxX}, numrep = ${minr}..${maxr}\n`);
    for (let nr = minr; nr <= maxr; nr++) {
      const per = new Array<number>(nDevices).fill(0);
      const sizes = new Map<number, number>();
      const numObjects = maxX - minX + 1;
      let totalWeight = 0;
      for (const w of weight) totalWeight = (totalWeight + w) | 0;
      if (totalWeight === 0) continue;
      // CrushTester computes these in single precision; fround reproduces its printed values.
      const expectedObjects = Math.fround(Math.min(nr, maximumAffectedByRule(map, r)) * numObjects);
      const expected = weight.map((w) => Math.fround(Math.fround(Math.fround(w) / Math.fround(totalWeight)) * expectedObjects));
      const out = new Int32Array(Math.max(nr, 0));
      for (let x = minX; x <= maxX; x++) {
        const realX = o.poolId !== -1 ? crushHash32_2(x, o.poolId) | 0 : x;
        const n = crushDoRuleInto(rt, r, realX, Math.max(nr, 0), weight, out);
        const result = Array.from(out.subarray(0, n));
        if (o.showMappings) lines.push(`CRUSH rule ${r} x ${x} [${result.join(',')}]\n`);
        let hasNone = false;
        for (const item of result) {
          if (item !== CRUSH_ITEM_NONE) per[item] = (per[item] ?? 0) + 1;
          else hasNone = true;
        }
        sizes.set(n, (sizes.get(n) ?? 0) + 1);
        if (o.showBadMappings && (n !== nr || hasNone)) {
          lines.push(`bad mapping rule ${r} x ${x} num_rep ${nr} result [${result.join(',')}]\n`);
        }
        if (lines.length >= 4096) flush();
      }
      if (statistics) {
        for (const [size, count] of [...sizes.entries()].sort((a, b) => a[0] - b[0])) {
          lines.push(`rule ${r} (${rule.name}) num_rep ${nr} result size == ${size}:\t${count}/${numObjects}\n`);
        }
        for (let i = 0; i < nDevices; i++) {
          const stored = per[i]!;
          const exp = expected[i]!;
          if ((o.showUtilization && exp > 0 && stored > 0) || (!o.showUtilization && o.showUtilizationAll)) {
            lines.push(`  device ${i}:\t\t stored : ${stored}\t expected : ${formatGeneral(exp)}\n`);
          }
        }
      }
    }
  }
  flush();
}
