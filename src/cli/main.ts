#!/usr/bin/env node
// `sepia`: local cluster control (start/stop/status), Ceph-compatible tools (rados, crushtool)
// and administration (osd, pool).
import { Command, Option } from 'commander';
import { RadosError, cephStrerror } from '../core/errors.js';
import { processIo } from './cli-io.js';
import { runRados, RADOS_USAGE } from './rados-cmd.js';
import { startLocalCluster, stopLocalCluster, listDaemons } from './local-cluster.js';
import { formatStatus } from './status-format.js';
import { Rados, defaultConfPath } from '../client/rados.js';
import type { ClusterStatus } from '../mon/status.js';
import { registerOsdCommands } from './osd-cmd.js';
import { runCrushtool } from './crushtool.js';
import { registerThumbsCommands } from './thumbs-cmd.js';
import { registerClsCommands } from './cls-cmd.js';

// A reader that went away (`sepia rados ls | head`) ends the command quietly, with the status a
// shell reports for Ceph's tools, which SIGPIPE kills (128 + 13). Node ignores SIGPIPE and would
// otherwise throw EPIPE from the next write.
const EXIT_BROKEN_PIPE = 141;
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT_BROKEN_PIPE);
    throw err;
  });
}

const program = new Command();
program
  .name('sepia')
  .description('Sepia: a distributed object store with Ceph RADOS semantics')
  .option('-c, --conf <path>', 'sepia.conf to use', defaultConfPath())
  .option('-f, --format <fmt>', 'output format: plain or json', 'plain')
  .showHelpAfterError();

function conf(): string {
  return program.opts<{ conf: string }>().conf;
}
function json(): boolean {
  return program.opts<{ format: string }>().format.startsWith('json');
}

program
  .command('start')
  .description('create (first time) and start a local cluster: 1 monitor + N OSDs on 127.0.0.1')
  .option('--data-dir <dir>', 'data directory', './sepia-data')
  .option('--osds <n>', 'OSDs to create on first start', '3')
  .option('--mon-port <port>', 'monitor port on first start (0: any free port)', '6789')
  .action(async (o: { dataDir: string; osds: string; monPort: string }) => {
    const status = await startLocalCluster({ dataDir: o.dataDir, confPath: conf(), numOsds: Number(o.osds), monPort: Number(o.monPort) });
    process.stdout.write(json() ? `${JSON.stringify(status)}\n` : formatStatus(status));
  });

program
  .command('stop')
  .description('stop the local cluster cleanly (OSDs first, then the monitor)')
  .action(async () => {
    const stopped = await stopLocalCluster(conf());
    if (json()) process.stdout.write(`${JSON.stringify({ stopped })}\n`);
    else process.stdout.write(stopped.length === 0 ? 'no daemons running\n' : `stopped ${stopped.join(', ')}\n`);
  });

program
  .command('status')
  .alias('-s')
  .description('cluster health, monitors, OSDs up/in, pools, PGs by state and usage (like ceph -s)')
  .action(async () => {
    const rados = await Rados.connect({ conf: conf(), options: { client_mount_timeout: '10' } });
    try {
      const reply = await rados.monCommand({ prefix: 'status' });
      const status = reply.out as ClusterStatus;
      process.stdout.write(json() ? `${JSON.stringify(status)}\n` : formatStatus(status));
    } finally {
      await rados.close();
    }
  });

program
  .command('daemons')
  .description('list the local daemons and whether they are running')
  .action(() => {
    const daemons = listDaemons(conf());
    if (json()) process.stdout.write(`${JSON.stringify(daemons)}\n`);
    else for (const d of daemons) process.stdout.write(`${d.name}\t${d.pid ?? '-'}\t${d.running ? 'running' : 'stopped'}\n`);
  });

registerOsdCommands(program, conf, json);
registerThumbsCommands(program, conf);
registerClsCommands(program, conf, json);

program
  .command('rados')
  .description("Ceph's rados tool: same arguments, same output (sepia rados --help)")
  .helpOption(false)
  .allowUnknownOption(true)
  .argument('[args...]')
  .action(async (args: string[]) => {
    const argv = [...args];
    const parent = program.opts<{ conf: string; format: string }>();
    if (!argv.includes('-c') && !argv.includes('--conf')) argv.unshift('-c', parent.conf);
    if (args.length === 0) {
      process.stdout.write(RADOS_USAGE);
      process.exitCode = 1;
      return;
    }
    process.exitCode = await runRados(argv, processIo);
  });

program
  .command('crushtool')
  .description("Ceph's crushtool: compile, decompile, build and test CRUSH maps")
  .helpOption(false)
  .allowUnknownOption(true)
  .argument('[args...]')
  .action(async (args: string[]) => {
    process.exitCode = await runCrushtool(args, {
      stdout: (s) => void process.stdout.write(s),
      stderr: (s) => void process.stderr.write(s),
      readFile: processIo.readFile,
      writeFile: processIo.writeFile,
    });
  });

// `sepia rados ...` must see its own flags (-p, -c, --all...) untouched by commander.
const argv = process.argv.slice(2);
const radosAt = argv.findIndex((a) => a === 'rados' || a === 'crushtool');
const parseArgs =
  radosAt >= 0 ? [...process.argv.slice(0, 2), ...argv.slice(0, radosAt + 1), '--', ...argv.slice(radosAt + 1)] : process.argv;

program.parseAsync(parseArgs).catch((err: unknown) => {
  if (RadosError.is(err)) {
    process.stderr.write(`Error ${err.code}: ${err.message.replace(/: \(\d+\) .*$/, '')}: ${cephStrerror(err.errno)}\n`);
  } else {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exitCode = 1;
});

export { Option };
