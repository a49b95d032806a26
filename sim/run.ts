// One seeded run: boot the cluster, run the workload in segments under the profile's faults,
// heal, and check. Everything a run does follows from (seed, options), so a failing seed replays
// exactly with `npm run sim -- --seed N`.

import { Model } from './model.js';
import { checkReplicas, waitActiveClean } from './checker.js';
import { DEFAULT_CLUSTER, LivenessError, SimCluster, type ClusterConfig } from './cluster.js';
import { FaultInjector, idleClasses, type ProfileName } from './faults.js';
import { Rng } from './rng.js';
import { Trace } from './trace.js';
import { DEFAULT_WORKLOAD, Workload, type WorkloadConfig } from './workload.js';

export interface RunOptions {
  readonly seed: number;
  readonly ops?: number;
  readonly faults?: ProfileName;
  /** Keep every trace line (determinism tests compare them). */
  readonly keepTrace?: boolean;
  /** Print trace and daemon log lines as they happen. */
  readonly echo?: boolean;
  readonly cluster?: Partial<ClusterConfig>;
  readonly workload?: Partial<WorkloadConfig>;
  /** Test hooks that break an invariant on purpose; the checks must report it. */
  readonly sabotage?: 'model' | 'replica';
}

export interface RunResult {
  readonly seed: number;
  readonly faults: ProfileName;
  readonly ok: boolean;
  readonly failures: readonly string[];
  /** Hash of the event trace: equal for two runs of one seed. */
  readonly digest: string;
  readonly events: number;
  readonly virtual_ms: number;
  readonly ops: number;
  readonly unknownOutcomes: number;
  readonly faultsInjected: number;
  /** Rejections nobody handled (expected inside crashed daemons; listed for diagnosis). */
  readonly unhandledRejections: number;
  readonly trace: Trace;
}

const POOL = 'sim';
/** Virtual-time budgets. */
const BOOT_DEADLINE_MS = 60_000;
const RUN_DEADLINE_MS = 900_000;
const HEAL_BUDGET_MS = 120_000;

export async function runSeed(opts: RunOptions): Promise<RunResult> {
  const seed = opts.seed;
  const profile = opts.faults ?? 'safe';
  const rng = new Rng(seed);
  const trace = new Trace({ keepAll: opts.keepTrace === true, echo: opts.echo === true });
  const cluster = new SimCluster(rng.fork('cluster'), trace, { ...DEFAULT_CLUSTER, ...opts.cluster });
  const faultRng = rng.fork('faults');
  const injector = new FaultInjector(cluster, faultRng, profile);
  const model = new Model();
  const failures: string[] = [];
  const totalOps = opts.ops ?? 40;
  let workload: Workload | undefined;

  const rejections: string[] = [];
  const onRejection = (reason: unknown): void => {
    const text = reason instanceof Error ? (reason.stack ?? reason.message).split('\n')[0] ?? '' : String(reason);
    rejections.push(text);
    trace.log(cluster.sched.now_ms, `unhandled rejection: ${text}`);
  };
  process.on('unhandledRejection', onRejection);

  const scenario = async (): Promise<void> => {
    cluster.startMon();
    for (const n of cluster.osds) cluster.startOsd(n.id);
    await cluster.waitAllUp(BOOT_DEADLINE_MS);
    const rados = await cluster.connectClient();
    await rados.createPool(POOL);
    await waitActiveClean(cluster, rados, POOL, cluster.sched.now_ms + BOOT_DEADLINE_MS);
    trace.add(cluster.sched.now_ms, `cluster ready`);

    workload = new Workload(rados.ioctx(POOL), rng.fork('workload'), model, (line) => trace.add(cluster.sched.now_ms, line), {
      ...DEFAULT_WORKLOAD,
      ...opts.workload,
    });
    const idle = idleClasses(profile);
    const segments = idle.length === 0 ? 1 : faultRng.between(2, 3);
    for (let s = 0; s < segments; s++) {
      const count = s === segments - 1 ? totalOps - Math.floor(totalOps / segments) * (segments - 1) : Math.floor(totalOps / segments);
      injector.start();
      await workload.run(count);
      injector.stop();
      if (s < segments - 1) {
        cluster.net.healAll();
        await injector.idleFault(faultRng.pick(idle), cluster.sched.now_ms + HEAL_BUDGET_MS);
        // "Idle" means no write meets peering: resume only once the cluster has settled.
        await waitActiveClean(cluster, rados, POOL, cluster.sched.now_ms + HEAL_BUDGET_MS);
      }
    }

    trace.add(cluster.sched.now_ms, 'workload done: healing');
    cluster.healAll();
    await cluster.waitAllUp(cluster.sched.now_ms + HEAL_BUDGET_MS);
    await waitActiveClean(cluster, rados, POOL, cluster.sched.now_ms + HEAL_BUDGET_MS);

    if (opts.sabotage === 'model') {
      const victim = model.names()[0] ?? 'obj0';
      model.sabotage(victim, Buffer.from('an acknowledged write that never happened'));
    }
    await workload.readAll();
    if (opts.sabotage === 'replica') corruptOneReplica(cluster);
    failures.push(...checkReplicas(cluster, POOL));
    await rados.close();
  };

  try {
    await cluster.drive(scenario(), `seed ${seed}`, RUN_DEADLINE_MS);
  } catch (error) {
    if (error instanceof LivenessError) failures.push(`liveness: ${error.message}`);
    else failures.push(`run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    cluster.shutdown();
    // Let the last callbacks of the run drain before this run's rejection handler goes away.
    await cluster.sched.settle();
    process.off('unhandledRejection', onRejection);
  }
  const w = workload as Workload | undefined;
  if (w !== undefined) failures.unshift(...w.violations);
  for (const text of cluster.sched.uncaught) failures.push(`uncaught exception in a daemon callback: ${text}`);
  for (const text of cluster.daemonErrors) failures.push(`daemon error: ${text}`);
  return {
    seed,
    faults: profile,
    ok: failures.length === 0,
    failures,
    digest: trace.digest(),
    events: cluster.sched.eventsExecuted,
    virtual_ms: cluster.sched.now_ms,
    ops: w?.completed ?? 0,
    unknownOutcomes: w?.unknownOutcomes ?? 0,
    faultsInjected: injector.injected,
    unhandledRejections: rejections.length,
    trace,
  };
}

/** Test hook: changes one object on one non-primary replica behind the cluster's back. */
function corruptOneReplica(cluster: SimCluster): void {
  for (const node of cluster.osds) {
    const store = node.store;
    if (store === undefined) continue;
    for (const { pool, ps } of store.listPgs()) {
      for (const key of store.listObjects(pool, ps, undefined, 16)) {
        const meta = store.view(key).meta;
        if (meta === undefined) continue;
        const data = Buffer.from('corrupted behind the cluster');
        void store.apply({
          objects: [{ key, steps: [{ t: 'write', offset: 0, data }], meta: { ...meta, size: Math.max(meta.size, data.length) } }],
        });
        cluster.trace.add(cluster.sched.now_ms, `sabotage: corrupted ${key.oid} on osd.${node.id}`);
        return;
      }
    }
  }
}

/** One line per run, the seed first so it can be replayed. */
export function summarize(r: RunResult): string {
  return (
    `seed ${r.seed} [${r.faults}] ${r.ok ? 'ok' : 'FAILED'}: ${r.ops} ops (${r.unknownOutcomes} unknown outcomes), ` +
    `${r.faultsInjected} faults, ${r.events} events, ${(r.virtual_ms / 1000).toFixed(1)} s virtual, trace ${r.digest}`
  );
}
