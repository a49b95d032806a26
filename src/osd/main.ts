#!/usr/bin/env node
// sepia-osd entry point.
import { join } from 'node:path';
import { loadConfig, ensureDir } from '../io/files.js';
import { createLogger } from '../io/log.js';
import { realClock } from '../io/clock.js';
import { expandMeta, onShutdown, parseDaemonArgs, removeFile, writePidFile } from '../io/daemon-process.js';
import { RadosError } from '../core/errors.js';
import { openLmdbStore } from './store/lmdb-store.js';
import { Osd } from './daemon.js';

const USAGE = `usage: sepia-osd -i ID [-c sepia.conf] [--option value ...]
Runs a Sepia OSD: stores placement groups in lmdb, replicates writes, serves clients.
`;

async function main(): Promise<void> {
  const args = parseDaemonArgs(process.argv.slice(2), USAGE);
  const id = Number(args.id);
  if (args.id === '' || !Number.isInteger(id) || id < 0) {
    process.stderr.write(`sepia-osd: -i ID (a non-negative integer) is required\n${USAGE}`);
    process.exit(1);
  }
  const entity = { type: 'osd' as const, id: String(id) };
  const config = loadConfig(args.conf, entity, args.overrides);
  const log = createLogger({ name: `osd.${id}`, file: expandMeta(config.get('log_file'), entity), level: config.get('log_level') });
  const dataDir = expandMeta(config.get('osd_data'), entity);
  if (dataDir === '') throw new Error('osd_data is not set in sepia.conf');
  ensureDir(dataDir);
  const runDir = config.get('run_dir');
  const pidFile = runDir !== '' ? writePidFile(runDir, `osd.${id}`) : undefined;
  const store = openLmdbStore({ path: join(dataDir, 'store.lmdb') });
  const osd = new Osd({ id, config, store, dataDir, log, clock: realClock });
  await osd.start();
  onShutdown(async () => {
    log.info('shutting down');
    await osd.stop();
    if (pidFile) removeFile(pidFile);
    await log.close();
  });
}

main().catch((err: unknown) => {
  // An expected failure (errno) is one line a user can act on; anything else keeps its stack.
  const text = RadosError.is(err) ? `${err.code}: ${err.message}` : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`sepia-osd: ${text}\n`);
  process.exit(1);
});
