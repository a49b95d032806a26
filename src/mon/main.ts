#!/usr/bin/env node
// sepia-mon entry point.
import { loadConfig, ensureDir } from '../io/files.js';
import { createLogger } from '../io/log.js';
import { parseHostPort } from '../core/config.js';
import { expandMeta, onShutdown, parseDaemonArgs, removeFile, writePidFile } from '../io/daemon-process.js';
import { Monitor } from './monitor.js';

const USAGE = `usage: sepia-mon [-c sepia.conf] [-i ID] [--option value ...]
Runs a Sepia monitor: keeps the cluster map (pools, OSDs, CRUSH) and pushes it to daemons and clients.
`;

async function main(): Promise<void> {
  const args = parseDaemonArgs(process.argv.slice(2), USAGE);
  const entity = { type: 'mon' as const, id: args.id === '' ? 'a' : args.id };
  const config = loadConfig(args.conf, entity, args.overrides);
  const log = createLogger({ name: `mon.${entity.id}`, file: expandMeta(config.get('log_file'), entity), level: config.get('log_level') });
  const { host, port } = parseHostPort(config.get('mon_host'), 6789);
  const dataDir = expandMeta(config.get('mon_data'), entity);
  if (dataDir === '') throw new Error('mon_data is not set in sepia.conf');
  ensureDir(dataDir);
  const runDir = config.get('run_dir');
  const pidFile = runDir !== '' ? writePidFile(runDir, `mon.${entity.id}`) : undefined;
  const mon = new Monitor({ config, dataDir, host, port, log });
  await mon.start();
  onShutdown(async () => {
    log.info('shutting down');
    await mon.stop();
    if (pidFile) removeFile(pidFile);
    await log.close();
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`sepia-mon: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
