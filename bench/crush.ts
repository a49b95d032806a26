// CRUSH mapping throughput: mappings per second for a 3-replica rule (chooseleaf firstn over
// hosts) on a 12-OSD and a 1,000-OSD map. A benchmark, not a test: it prints JSON and asserts
// nothing about speed. Goal on this machine: >= 1,000,000 mappings/s on the 12-OSD map.

import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import {
  type CrushMap,
  buildSimpleCrushMap,
  crushDoRuleInto,
  crushRuntime,
  placementSeed,
} from '../src/placement/index.js';

function mapWith(osdCount: number, osdsPerHost: number): CrushMap {
  const osds = Array.from({ length: osdCount }, (_, id) => ({
    id,
    host: `host${Math.floor(id / osdsPerHost)}`,
    // Uneven weights so straw2 cannot shortcut anything.
    weight: 1 + (id % 4) * 0.5,
  }));
  return buildSimpleCrushMap({ osds, chooseleafType: 'host' });
}

/**
 * Runs `count` mappings over consecutive PG seeds. Returns mappings per wall-clock second and per
 * CPU second of this (single-threaded) process: on a shared machine the CPU figure is the one
 * that measures one core, as time spent descheduled does not count.
 */
function measure(map: CrushMap, osdCount: number, count: number): { wall: number; cpu: number } {
  const rt = crushRuntime(map);
  const weights = new Uint32Array(osdCount).fill(0x10000);
  const out = new Int32Array(3);
  const pool = { id: 1, size: 3, pgNum: 65536, pgpNum: 65536, crushRule: 0, hashpspool: true };
  let checksum = 0;
  // Warm-up lets the JIT settle before timing.
  for (let i = 0; i < Math.min(count, 50_000); i++) crushDoRuleInto(rt, 0, placementSeed(pool, i & 0xffff), 3, weights, out);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const n = crushDoRuleInto(rt, 0, placementSeed(pool, i & 0xffff), 3, weights, out);
    checksum = (checksum + n + out[0]!) | 0;
  }
  const elapsed_ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpu_ms = (cpu.user + cpu.system) / 1000;
  if (checksum === 0x7fffffff) console.error('unlikely checksum'); // keeps the loop observable
  return { wall: Math.round(count / (elapsed_ms / 1000)), cpu: Math.round(count / (cpu_ms / 1000)) };
}

export async function benchCrush(opts: { quick: boolean }): Promise<Record<string, number>> {
  const n12 = opts.quick ? 200_000 : 2_000_000;
  const n1000 = opts.quick ? 50_000 : 500_000;
  const m12 = measure(mapWith(12, 3), 12, n12);
  const m1000 = measure(mapWith(1000, 20), 1000, n1000);
  return {
    crush_map12_rep3_mappings_per_s: m12.wall,
    crush_map12_rep3_mappings_per_cpu_s: m12.cpu,
    crush_map1000_rep3_mappings_per_s: m1000.wall,
    crush_map1000_rep3_mappings_per_cpu_s: m1000.cpu,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  console.log(JSON.stringify(await benchCrush({ quick }), null, 2));
}
