// `sepia status` in `ceph -s` layout.
import type { ClusterStatus } from '../mon/status.js';
import { byteU } from './format.js';

export function formatStatus(s: ClusterStatus): string {
  const lines: string[] = [];
  lines.push('  cluster:');
  lines.push(`    id:     ${s.fsid}`);
  lines.push(`    health: ${s.health.status}`);
  for (const check of s.health.checks) lines.push(`            ${check}`);
  lines.push(' ');
  lines.push('  services:');
  lines.push(`    mon: ${s.monmap.num_mons} daemons, quorum a`);
  lines.push(`    osd: ${s.osdmap.num_osds} osds: ${s.osdmap.num_up_osds} up, ${s.osdmap.num_in_osds} in`);
  lines.push(' ');
  lines.push('  data:');
  const pg = s.pgmap;
  lines.push(`    pools:   ${pg.num_pools} pools, ${pg.num_pgs} pgs`);
  lines.push(`    objects: ${pg.num_objects} objects, ${byteU(pg.data_bytes)}`);
  lines.push(`    usage:   ${byteU(pg.bytes_used)} used, ${byteU(pg.bytes_avail)} / ${byteU(pg.bytes_total)} avail`);
  const pgLines: string[] = [];
  // Older monitors do not send the degraded counts.
  const degraded = pg.degraded_objects ?? 0;
  if (degraded > 0) pgLines.push(`${degraded}/${pg.degraded_total} objects degraded (${((100 * degraded) / Math.max(1, pg.degraded_total)).toFixed(3)}%)`);
  for (const st of pg.pgs_by_state) pgLines.push(`${st.count} ${st.state_name}`);
  if (pgLines.length === 0) lines.push('    pgs:     ');
  pgLines.forEach((l, i) => lines.push(`${i === 0 ? '    pgs:     ' : '             '}${l}`));
  lines.push(' ');
  const rate = pg.recovering_objects_per_sec ?? 0;
  if (rate > 0) {
    lines.push('  io:');
    lines.push(`    recovery: ${Math.round(rate)} objects/s`);
    lines.push(' ');
  }
  return `${lines.join('\n')}\n`;
}
