// `npm run sim -- --seed N [--ops M] [--faults P] [--verbose]` replays one seed and prints its
// summary (and, on failure, the failures and the tail of the trace and daemon logs).
// `npm run sim -- --seeds K [--from S]` runs seeds S..S+K-1 and lists the failing ones.

import { isProfileName, PROFILES, type ProfileName } from './faults.js';
import { runSeed, summarize, type RunResult } from './run.js';

interface Args {
  seed?: number;
  seeds?: number;
  from: number;
  ops?: number;
  faults: ProfileName;
  verbose: boolean;
  trace: boolean;
}

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: sim --seed N [--ops M] [--faults ${Object.keys(PROFILES).join('|')}] [--verbose] [--trace]\n` +
      `       sim --seeds K [--from S] [--ops M] [--faults P]\n`,
  );
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { from: 1, faults: 'safe', verbose: false, trace: false };
  const int = (v: string | undefined, name: string): number => {
    const n = Number(v);
    if (v === undefined || !Number.isSafeInteger(n) || n < 0) usage(`${name} needs a non-negative integer`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--seed':
        args.seed = int(argv[++i], a);
        break;
      case '--seeds':
        args.seeds = int(argv[++i], a);
        break;
      case '--from':
        args.from = int(argv[++i], a);
        break;
      case '--ops':
        args.ops = int(argv[++i], a);
        break;
      case '--faults': {
        const p = argv[++i] ?? '';
        if (!isProfileName(p)) usage(`unknown fault profile '${p}'`);
        args.faults = p;
        break;
      }
      case '--verbose':
        args.verbose = true;
        break;
      case '--trace':
        args.trace = true;
        break;
      default:
        usage(`unknown argument '${String(a)}'`);
    }
  }
  if ((args.seed === undefined) === (args.seeds === undefined)) usage('give exactly one of --seed and --seeds');
  return args;
}

function printFailure(r: RunResult, verbose: boolean): void {
  for (const f of r.failures) process.stdout.write(`  - ${f}\n`);
  if (!verbose) return;
  process.stdout.write('  trace tail:\n');
  for (const line of r.trace.tailLines().slice(-80)) process.stdout.write(`    ${line}\n`);
  process.stdout.write('  daemon log tail:\n');
  for (const line of r.trace.logLines().slice(-80)) process.stdout.write(`    ${line}\n`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const base = { faults: args.faults, ...(args.ops !== undefined ? { ops: args.ops } : {}) };
  if (args.seed !== undefined) {
    const r = await runSeed({ seed: args.seed, ...base, echo: args.trace });
    process.stdout.write(`${summarize(r)}\n`);
    if (!r.ok) printFailure(r, true);
    if (args.verbose && r.ok) printFailure(r, true);
    process.exitCode = r.ok ? 0 : 1;
    return;
  }
  const count = args.seeds ?? 0;
  const failed: number[] = [];
  const started = performance.now();
  for (let seed = args.from; seed < args.from + count; seed++) {
    const r = await runSeed({ seed, ...base });
    if (!r.ok) {
      failed.push(seed);
      process.stdout.write(`${summarize(r)}\n`);
      printFailure(r, args.verbose);
    } else if (args.verbose) {
      process.stdout.write(`${summarize(r)}\n`);
    }
  }
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`${count - failed.length}/${count} seeds passed [${args.faults}] in ${secs} s`);
  process.stdout.write(failed.length > 0 ? `; failing seeds: ${failed.join(' ')}\n` : '\n');
  process.exitCode = failed.length === 0 ? 0 : 1;
}

await main();
