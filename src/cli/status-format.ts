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
  if (pg.pgs_by_state.length === 0) {
    lines.push('    pgs:     ');
  } else {
    pg.pgs_by_state.forEach((st, i) => {
      lines.push(`${i === 0 ? '    pgs:     ' : '             '}${st.count} ${st.state_name}`);
    });
  }
  lines.push(' ');
  return `${lines.join('\n')}\n`;
}
