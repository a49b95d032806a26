// `sepia osd ...`, `sepia pg ...`, `sepia config set`: administration through the monitor, with
// Ceph's texts (status lines on stderr, data on stdout, exit code = errno on failure).
import type { Command } from 'commander';
import { withRados, finish } from './mon-command.js';
import { RadosError } from '../core/errors.js';
import { locateObject, pgIdString, poolByName, type OsdMap } from '../mon/maps/osdmap.js';
import { osdTreeJson, osdTreeText } from '../mon/maps/osd-tree.js';
import { crushTreeJson, crushTreeText, crushDumpJson } from '../placement/index.js';
import { textTable } from './format.js';

type Getter = () => string;

/** A weight argument: a number when it parses as one, else the text (the monitor rejects it). */
function parseWeight(text: string): number | string {
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}

function osdDump(map: OsdMap): string {
  const out: string[] = [];
  out.push(`epoch ${map.epoch}`, `fsid ${map.fsid}`, `created ${map.created}`, `modified ${map.modified}`);
  out.push('flags sortbitwise,recovery_deletes,purged_snapdirs,pglog_hardlimit');
  out.push('full_ratio 0.95', 'backfillfull_ratio 0.9', 'nearfull_ratio 0.85', 'require_osd_release pacific');
  for (const p of map.pools) {
    out.push(
      `pool ${p.id} '${p.name}' replicated size ${p.size} min_size ${p.minSize} crush_rule ${p.crushRule} object_hash rjenkins ` +
        `pg_num ${p.pgNum} pgp_num ${p.pgpNum} flags ${p.hashpspool ? 'hashpspool' : ''} stripe_width 0${p.application !== '' ? ` application ${p.application}` : ''}`,
    );
  }
  out.push(`max_osd ${map.maxOsd}`);
  for (const o of map.osds) {
    out.push(
      `osd.${o.id} ${o.up ? 'up  ' : 'down'} ${o.weight > 0 ? 'in ' : 'out'} weight ${(o.weight / 0x10000).toString()} up_from ${o.upFrom} down_at ${o.downAt} ` +
        `[${o.addr}] exists${o.up ? ',up' : ''} ${o.uuid}`,
    );
  }
  return `${out.join('\n')}\n`;
}

export function registerOsdCommands(program: Command, conf: Getter, json: () => boolean): void {
  const osd = program.command('osd').description('OSD and pool administration');
  const pool = osd.command('pool').description('pools: create, ls, rm, set, get');

  pool
    .command('create <pool> [pg_num] [pgp_num]')
    .description('create a replicated pool')
    .option('--size <n>', 'replicas')
    .action(async (name: string, pgNum: string | undefined, pgpNum: string | undefined, o: { size?: string }) => {
      await withRados(conf(), async (r) =>
        finish(
          await r.monCommandRaw({
            prefix: 'osd pool create',
            pool: name,
            ...(pgNum !== undefined ? { pg_num: Number(pgNum) } : {}),
            ...(pgpNum !== undefined ? { pgp_num: Number(pgpNum) } : {}),
            ...(o.size !== undefined ? { size: Number(o.size) } : {}),
          }),
        ),
      );
    });

  pool
    .command('ls')
    .description('list pools')
    .option('--detail', 'show pool details')
    .action(async (o: { detail?: boolean }) => {
      await withRados(conf(), async (r) => {
        const map = (await r.monCommand({ prefix: 'osd dump' })).out as OsdMap;
        if (json()) process.stdout.write(`${JSON.stringify(o.detail ? map.pools : map.pools.map((p) => p.name))}\n`);
        else if (o.detail) process.stdout.write(osdDump(map).split('\n').filter((l) => l.startsWith('pool ')).join('\n') + '\n');
        else for (const p of map.pools) process.stdout.write(`${p.name}\n`);
      });
    });

  for (const verb of ['rm', 'delete']) {
    pool
      .command(`${verb} <pool> [pool2]`)
      .description('remove a pool (needs mon_allow_pool_delete = true)')
      .option('--yes-i-really-really-mean-it', 'confirm')
      .action(async (name: string, pool2: string | undefined, o: { yesIReallyReallyMeanIt?: boolean }) => {
        await withRados(conf(), async (r) =>
          finish(await r.monCommandRaw({ prefix: 'osd pool rm', pool: name, pool2: pool2 ?? '', yes_i_really_really_mean_it: o.yesIReallyReallyMeanIt === true })),
        );
      });
  }

  pool
    .command('set <pool> <var> <val>')
    .description('set a pool variable (size, min_size)')
    .action(async (name: string, variable: string, val: string) => {
      await withRados(conf(), async (r) => finish(await r.monCommandRaw({ prefix: 'osd pool set', pool: name, var: variable, val })));
    });

  pool
    .command('get <pool> <var>')
    .description('get a pool variable (size, min_size, pg_num, pgp_num, crush_rule)')
    .action(async (name: string, variable: string) => {
      await withRados(conf(), async (r) => {
        const reply = await r.monCommandRaw({ prefix: 'osd pool get', pool: name });
        if (reply.ret < 0) return finish(reply);
        const p = reply.out as Record<string, unknown>;
        const field: Record<string, string> = { size: 'size', min_size: 'minSize', pg_num: 'pgNum', pgp_num: 'pgpNum', crush_rule: 'crushRule' };
        const key = field[variable];
        if (key === undefined) {
          process.stderr.write(`Error EINVAL: unrecognized variable '${variable}'\n`);
          process.exitCode = 22;
          return;
        }
        const value = variable === 'crush_rule' ? 'replicated_rule' : String(p[key]);
        process.stdout.write(json() ? `${JSON.stringify({ pool: name, [variable]: p[key] })}\n` : `${variable}: ${value}\n`);
      });
    });

  osd
    .command('tree')
    .description('the CRUSH hierarchy with OSD status (like `ceph osd tree`)')
    .action(async () => {
      await withRados(conf(), async (r) => {
        const map = (await r.monCommand({ prefix: 'osd dump' })).out as OsdMap;
        process.stdout.write(json() ? `${JSON.stringify(osdTreeJson(map))}\n` : osdTreeText(map));
      });
    });

  const crush = osd.command('crush').description('the CRUSH map: tree, dump, reweight, add-bucket, move, add, rm');
  crush
    .command('tree')
    .description('the CRUSH hierarchy (like `ceph osd crush tree`)')
    .action(async () => {
      await withRados(conf(), async (r) => {
        const map = (await r.monCommand({ prefix: 'osd dump' })).out as OsdMap;
        process.stdout.write(json() ? `${JSON.stringify(crushTreeJson(map.crush))}\n` : crushTreeText(map.crush));
      });
    });
  crush
    .command('dump')
    .description('the CRUSH map as JSON (like `ceph osd crush dump`)')
    .action(async () => {
      await withRados(conf(), async (r) => {
        const map = (await r.monCommand({ prefix: 'osd dump' })).out as OsdMap;
        const dump = crushDumpJson(map.crush);
        process.stdout.write(json() ? `${JSON.stringify(dump)}\n` : `${JSON.stringify(dump, null, 4)}\n`);
      });
    });
  crush
    .command('reweight <name> <weight>')
    .description("set a device's CRUSH weight (1.0 = 1 TiB by convention)")
    .action(async (name: string, weight: string) => {
      await withRados(conf(), async (r) => finish(await r.monCommandRaw({ prefix: 'osd crush reweight', name, weight: parseWeight(weight) })));
    });
  crush
    .command('add-bucket <name> <type> [args...]')
    .description('add an empty bucket, optionally placed at type=name locations')
    .action(async (name: string, type: string, args: string[]) => {
      await withRados(conf(), async (r) => finish(await r.monCommandRaw({ prefix: 'osd crush add-bucket', name, type, args })));
    });
  crush
    .command('move <name> <args...>')
    .description('move a bucket or device to a location given as type=name pairs')
    .action(async (name: string, args: string[]) => {
      await withRados(conf(), async (r) => finish(await r.monCommandRaw({ prefix: 'osd crush move', name, args })));
    });
  crush
    .command('add <osd> <weight> <args...>')
    .description('place a device with a weight at a location given as type=name pairs')
    .action(async (id: string, weight: string, args: string[]) => {
      await withRados(conf(), async (r) => finish(await r.monCommandRaw({ prefix: 'osd crush add', id, weight: parseWeight(weight), args })));
    });
  for (const verb of ['rm', 'remove']) {
    crush
      .command(`${verb} <name>`)
      .description('remove a device or an empty bucket from the CRUSH map')
      .action(async (name: string) => {
        await withRados(conf(), async (r) => finish(await r.monCommandRaw({ prefix: 'osd crush rm', name })));
      });
  }

  osd
    .command('dump')
    .description('the OSDMap: epoch, pools, OSDs')
    .action(async () => {
      await withRados(conf(), async (r) => {
        const map = (await r.monCommand({ prefix: 'osd dump' })).out as OsdMap;
        process.stdout.write(json() ? `${JSON.stringify(map)}\n` : osdDump(map));
      });
    });

  osd
    .command('map <pool> <object>')
    .description('where an object lives: pg, up and acting sets')
    .option('-N, --namespace <ns>', 'namespace', '')
    .action(async (poolName: string, oid: string, o: { namespace: string }) => {
      await withRados(conf(), async (r) => {
        const map = (await r.monCommand({ prefix: 'osd dump' })).out as OsdMap;
        const p = poolByName(map, poolName);
        if (!p) {
          process.stderr.write(`Error ENOENT: pool ${poolName} does not exist\n`);
          process.exitCode = 2;
          return;
        }
        const loc = locateObject(map, p, oid, o.namespace, '');
        const m = loc.mapping;
        const rawPg = `${p.id}.${(loc.hash >>> 0).toString(16)}`;
        if (json()) {
          process.stdout.write(
            `${JSON.stringify({ epoch: map.epoch, pool: poolName, pool_id: p.id, objname: oid, raw_pgid: rawPg, pgid: pgIdString(p.id, loc.ps), up: m.up, up_primary: m.upPrimary, acting: m.acting, acting_primary: m.actingPrimary })}\n`,
          );
        } else {
          process.stdout.write(
            `osdmap e${map.epoch} pool '${poolName}' (${p.id}) object '${o.namespace !== '' ? `${o.namespace}/` : ''}${oid}' -> pg ${rawPg} (${pgIdString(p.id, loc.ps)}) -> up ([${m.up.join(',')}], p${m.upPrimary}) acting ([${m.acting.join(',')}], p${m.actingPrimary})\n`,
          );
        }
      });
    });

  for (const verb of ['out', 'in', 'down'] as const) {
    osd
      .command(`${verb} <ids...>`)
      .description(`mark OSDs ${verb}`)
      .action(async (ids: string[]) => {
        const parsed = ids.map((s) => Number(s.replace(/^osd\./, '')));
        await withRados(conf(), async (r) => finish(await r.monCommandRaw({ prefix: `osd ${verb}`, ids: parsed })));
      });
  }

  const pg = program.command('pg').description('placement groups');
  pg.command('dump')
    .description('every PG with its state, object count and bytes')
    .action(async () => {
      await withRados(conf(), async (r) => {
        type Row = {
          pgid: string; state: string; objects: number; bytes: number; lastScrubStamp?: string; lastDeepScrubStamp?: string;
          up: number[]; up_primary: number; acting: number[]; acting_primary: number;
        };
        const rows = (await r.monCommand({ prefix: 'pg dump' })).out as Row[];
        if (json()) process.stdout.write(`${JSON.stringify(rows)}\n`);
        else {
          const set = (ids: readonly number[]): string => `[${ids.join(',')}]`;
          const left = (name: string): { name: string; align: 'left' } => ({ name, align: 'left' });
          const right = (name: string): { name: string; align: 'right' } => ({ name, align: 'right' });
          process.stdout.write(textTable(
            [left('PG_STAT'), right('OBJECTS'), right('BYTES'), left('STATE'), left('UP'), right('UP_PRIMARY'),
              left('ACTING'), right('ACTING_PRIMARY'), left('SCRUB_STAMP'), left('DEEP_SCRUB_STAMP')],
            rows.map((row) => [
              row.pgid, String(row.objects), String(row.bytes), row.state, set(row.up), String(row.up_primary),
              set(row.acting), String(row.acting_primary), row.lastScrubStamp ?? '-', row.lastDeepScrubStamp ?? '-',
            ]),
          ));
        }
      });
    });
  pg.command('map <pgid>')
    .description("a PG's up and acting sets, as `ceph pg map`")
    .action(async (pgid: string) => {
      await withRados(conf(), async (r) => {
        const reply = await r.monCommandRaw({ prefix: 'pg map', pgid });
        if (!finish(reply)) return;
        const m = reply.out as { epoch: number; raw_pgid: string; pgid: string; up: number[]; acting: number[] };
        if (json()) process.stdout.write(`${JSON.stringify(m)}\n`);
        else process.stdout.write(`osdmap e${m.epoch} pg ${m.raw_pgid} (${m.pgid}) -> up [${m.up.join(',')}] acting [${m.acting.join(',')}]\n`);
      });
    });
  for (const verb of ['scrub', 'deep-scrub', 'repair'] as const) {
    pg.command(`${verb} <pgid>`)
      .description(
        verb === 'scrub'
          ? 'compare the metadata of every copy of a PG'
          : verb === 'deep-scrub'
            ? 'compare every copy of a PG, data checksums included'
            : 'deep-scrub a PG and copy the authoritative object over every copy that differs',
      )
      .action(async (pgid: string) => {
        await withRados(conf(), async (r) => finish(await r.monCommandRaw({ prefix: `pg ${verb}`, pgid })));
      });
  }
  pg.command('list-inconsistent-obj <pgid>')
    .description("objects the PG's last scrub found inconsistent, as JSON")
    .action(async (pgid: string) => {
      await withRados(conf(), async (r) => {
        const reply = await r.monCommandRaw({ prefix: 'pg list-inconsistent-obj', pgid });
        if (reply.ret < 0) finish(reply);
        else process.stdout.write(`${JSON.stringify(reply.out)}\n`);
      });
    });

  program
    .command('config')
    .description('runtime configuration')
    .command('set <who> <name> <value>')
    .description('set an option on the monitor (mon_allow_pool_delete)')
    .action(async (_who: string, name: string, value: string) => {
      await withRados(conf(), async (r) => finish(await r.monCommandRaw({ prefix: 'config set', name, value })));
    });
}

export { RadosError };
