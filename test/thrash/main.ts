// `npm run thrash -- --minutes N [--seed S] [--objects M] [--concurrency K] [--quiet]`: a long
// thrash of a real local cluster. Prints each kill cycle as it happens and the summary as JSON at
// the end; exits 1 on any violation, keeping the cluster directory (stores, daemon logs,
// thrasher.log and events.log) and printing where it is.
import { runThrash, THRASH_DEFAULTS } from './thrasher.js';

interface Args {
  minutes: number;
  seed: number;
  objects: number;
  concurrency: number;
  quiet: boolean;
}

const MINUTES_MAX = 24 * 60;
const VIOLATIONS_PRINTED = 20;
const EVENTS_PRINTED = 120;

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: thrash --minutes N [--seed S] [--objects M] [--concurrency K] [--quiet]\n`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    minutes: 5,
    seed: Math.floor(Math.random() * 1_000_000),
    objects: THRASH_DEFAULTS.objects,
    concurrency: THRASH_DEFAULTS.concurrency,
    quiet: false,
  };
  const num = (v: string | undefined, name: string, min: number, max: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min || n > max) usage(`${name} needs a number in [${min}, ${max}]`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--minutes':
        args.minutes = num(argv[++i], a, 0.1, MINUTES_MAX);
        break;
      case '--seed':
        args.seed = Math.floor(num(argv[++i], a, 0, Number.MAX_SAFE_INTEGER));
        break;
      case '--objects':
        args.objects = Math.floor(num(argv[++i], a, 1, 10_000));
        break;
      case '--concurrency':
        args.concurrency = Math.floor(num(argv[++i], a, 1, 256));
        break;
      case '--quiet':
        args.quiet = true;
        break;
      default:
        usage(`unknown argument '${String(a)}'`);
    }
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  process.stdout.write(`thrash: seed ${args.seed}, ${args.minutes} min, ${args.objects} objects, ${args.concurrency} ops in flight\n`);
  const result = await runThrash({
    seed: args.seed,
    thrash_ms: args.minutes * 60_000,
    objects: args.objects,
    concurrency: args.concurrency,
    keepOnFailure: true,
    ...(args.quiet ? {} : { progress: (line: string) => process.stdout.write(`${line}\n`) }),
  });
  if (result.violations.length > 0) {
    process.stdout.write(`\n${result.violations.length} violation(s); replay with --seed ${args.seed} (a real cluster does not replay exactly):\n`);
    for (const v of result.violations.slice(0, VIOLATIONS_PRINTED)) process.stdout.write(`  - ${v}\n`);
    process.stdout.write(`\nlast ${EVENTS_PRINTED} events:\n`);
    for (const line of result.events.slice(-EVENTS_PRINTED)) process.stdout.write(`  ${line}\n`);
    if (result.keptDir !== undefined) process.stdout.write(`\ncluster kept in ${result.keptDir} (thrasher.log, events.log, data/log/, data/osd.N/store.lmdb)\n`);
  }
  process.stdout.write(`${JSON.stringify(result.summary, null, 2)}\n`);
  process.exitCode = result.violations.length === 0 && result.summary.lost === 0 ? 0 : 1;
}

await main();
