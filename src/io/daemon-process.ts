// Process plumbing shared by sepia-mon and sepia-osd: argument parsing, pid files, log file
// path expansion ($name, $id, $type as in ceph.conf) and clean shutdown on SIGTERM/SIGINT.
import { writeFileSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DaemonArgs {
  readonly conf: string;
  readonly id: string;
  readonly overrides: Map<string, string>;
}

export function parseDaemonArgs(argv: readonly string[], usage: string): DaemonArgs {
  let conf = process.env['SEPIA_CONF'] ?? './sepia.conf';
  let id = '';
  const overrides = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) {
        process.stderr.write(`${a} needs a value\n${usage}`);
        process.exit(1);
      }
      return v;
    };
    if (a === '-h' || a === '--help') {
      process.stdout.write(usage);
      process.exit(0);
    } else if (a === '-c' || a === '--conf') conf = next();
    else if (a === '-i' || a === '--id') id = next();
    else if (a.startsWith('--')) overrides.set(a.slice(2), next());
    else {
      process.stderr.write(`unexpected argument '${a}'\n${usage}`);
      process.exit(1);
    }
  }
  return { conf, id, overrides };
}

export function expandMeta(value: string, entity: { type: string; id: string }): string {
  return value.replaceAll('$name', `${entity.type}.${entity.id}`).replaceAll('$type', entity.type).replaceAll('$id', entity.id);
}

/**
 * Claims `<run_dir>/<name>.pid` for this process. Refuses when another live process holds it:
 * two OSDs on one store would corrupt it, since lmdb lets several processes open one environment.
 */
export function writePidFile(runDir: string, name: string): string {
  mkdirSync(runDir, { recursive: true });
  const path = join(runDir, `${name}.pid`);
  try {
    const other = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(other) && other > 0 && other !== process.pid && alive(other)) {
      throw new Error(`${name} is already running as pid ${other}`);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  writeFileSync(path, `${process.pid}\n`);
  return path;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function removeFile(path: string): void {
  rmSync(path, { force: true });
}

/** Runs `stop` once on SIGTERM/SIGINT, then exits; a second signal exits at once. */
export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
