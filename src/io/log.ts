// Leveled logs, one line per event: "2026-11-23T12:00:00.000Z osd.1 INFO message".
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  log(level: LogLevel, msg: string): void;
  close(): Promise<void>;
}

export function isLogLevel(v: string): v is LogLevel {
  return v in RANK;
}

export function createLogger(opts: { name: string; file?: string; level?: string }): Logger {
  const threshold = RANK[isLogLevel(opts.level ?? '') ? (opts.level as LogLevel) : 'info'];
  let stream: WriteStream | undefined;
  if (opts.file !== undefined && opts.file !== '') {
    mkdirSync(dirname(opts.file), { recursive: true });
    stream = createWriteStream(opts.file, { flags: 'a' });
  }
  const log = (level: LogLevel, msg: string): void => {
    if (RANK[level] < threshold) return;
    const line = `${new Date().toISOString()} ${opts.name} ${level.toUpperCase()} ${msg}\n`;
    if (stream) stream.write(line);
    else process.stderr.write(line);
  };
  return {
    debug: (m) => log('debug', m),
    info: (m) => log('info', m),
    warn: (m) => log('warn', m),
    error: (m) => log('error', m),
    log,
    close: () =>
      new Promise((resolve) => {
        if (stream) stream.end(resolve);
        else resolve();
      }),
  };
}
