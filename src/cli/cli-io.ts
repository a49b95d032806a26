// The CLI's window on the world, passed in so commands can run in-process under test.
import { readFile, writeFile } from 'node:fs/promises';

export interface CliIo {
  stdout(data: string | Buffer): void;
  stderr(data: string): void;
  readFile(path: string): Promise<Buffer>;
  writeFile(path: string, data: Buffer): Promise<void>;
  readStdin(): Promise<Buffer>;
}

export const processIo: CliIo = {
  stdout: (d) => void process.stdout.write(d),
  stderr: (d) => void process.stderr.write(d),
  readFile: (p) => readFile(p),
  writeFile: (p, d) => writeFile(p, d),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  },
};

/** Collects output in memory (tests and embedding). */
export function memoryIo(files: Map<string, Buffer> = new Map(), stdin: Buffer = Buffer.alloc(0)): CliIo & { out(): string; err(): string; outBuf(): Buffer } {
  const out: Buffer[] = [];
  let err = '';
  return {
    stdout: (d) => void out.push(typeof d === 'string' ? Buffer.from(d) : d),
    stderr: (d) => void (err += d),
    readFile: async (p) => {
      const f = files.get(p);
      if (f) return f;
      return readFile(p);
    },
    writeFile: async (p, d) => void files.set(p, d),
    readStdin: async () => stdin,
    out: () => Buffer.concat(out).toString('utf8'),
    err: () => err,
    outBuf: () => Buffer.concat(out),
  };
}
