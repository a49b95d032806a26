// `sepia cls register|ls|info|get|rm`: Lua object classes registered cluster-wide (a Sepia
// extension). Registration runs the script's top level here once to find its methods and their
// RD/WR flags (objclass.register(f, "rd")), then hands script and methods to the monitor, which
// stores them in the ClassMap and pushes it to every OSD. Status text on stderr, data on stdout,
// exit code = errno on failure, as the other administration commands.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { withRados, fail, finish } from './mon-command.js';
import { RadosError } from '../core/errors.js';
import { classByName, type ClassMap, type ClassSummary } from '../mon/maps/classmap.js';
import { describeClassScript } from '../cls/registry.js';

type Getter = () => string;

function methodsText(c: ClassSummary): string {
  return c.methods.map((m) => `${m.name}(${m.flags})`).join(' ');
}

/** Left-aligned columns separated by two spaces. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n') + '\n';
}

export function clsLsText(classes: readonly ClassSummary[]): string {
  if (classes.length === 0) return '';
  return table([
    ['NAME', 'VERSION', 'SIZE', 'REGISTERED', 'METHODS'],
    ...classes.map((c) => [c.name, String(c.version), String(c.size_bytes), c.registered, methodsText(c)]),
  ]);
}

export function clsInfoText(c: ClassSummary): string {
  const lines = [
    `name: ${c.name}`,
    `version: ${c.version}`,
    `sha256: ${c.sha256}`,
    `size: ${c.size_bytes} bytes`,
    `registered: ${c.registered}`,
    'methods:',
    ...c.methods.map((m) => `  ${m.name} ${m.flags}`),
  ];
  return `${lines.join('\n')}\n`;
}

export function registerClsCommands(program: Command, conf: Getter, json: () => boolean): void {
  const cls = program.command('cls').description('Lua object classes registered cluster-wide: register, ls, info, get, rm');

  cls
    .command('register <name>')
    .description('register (or replace with a higher version) a Lua class; methods declare flags with objclass.register(f, "rd"|"wr"|"rdwr")')
    .requiredOption('--file <path>', 'Lua script')
    .option('--version <n>', 'version (default: 1 for a new class, current + 1 otherwise)')
    .action(async (name: string, o: { file: string; version?: string }) => {
      let script: string;
      try {
        script = readFileSync(o.file, 'utf8');
      } catch (err) {
        fail(2, `cannot read ${o.file}: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      const version = o.version === undefined ? undefined : Number(o.version);
      if (version !== undefined && (!Number.isSafeInteger(version) || version < 1)) {
        fail(22, `--version must be a positive integer, not '${o.version ?? ''}'`);
        return;
      }
      let methods;
      try {
        ({ methods } = await describeClassScript(script));
      } catch (err) {
        if (!RadosError.is(err)) throw err;
        fail(err.errno, err.message.replace(/: \(\d+\) [^\n]*$/, ''));
        return;
      }
      await withRados(conf(), async (r) => {
        const reply = await r.monCommandRaw({ prefix: 'cls register', name, script, methods, ...(version === undefined ? {} : { version }) });
        if (finish(reply) && json()) process.stdout.write(`${JSON.stringify(reply.out)}\n`);
      });
    });

  cls
    .command('ls')
    .description('list registered classes')
    .action(async () => {
      await withRados(conf(), async (r) => {
        const reply = await r.monCommandRaw({ prefix: 'cls ls' });
        if (!finish(reply)) return;
        const classes = reply.out as ClassSummary[];
        process.stdout.write(json() ? `${JSON.stringify(classes)}\n` : clsLsText(classes));
      });
    });

  cls
    .command('info <name>')
    .description('version, methods with flags, sha256, size and registration time of a class')
    .action(async (name: string) => {
      await withRados(conf(), async (r) => {
        const reply = await r.monCommandRaw({ prefix: 'cls info', name });
        if (!finish(reply)) return;
        const c = reply.out as ClassSummary;
        process.stdout.write(json() ? `${JSON.stringify(c)}\n` : clsInfoText(c));
      });
    });

  cls
    .command('get <name>')
    .description("print a registered class's script")
    .action(async (name: string) => {
      await withRados(conf(), async (r) => {
        const reply = await r.monCommandRaw({ prefix: 'cls getmap' });
        if (!finish(reply)) return;
        const c = classByName(reply.out as ClassMap, name);
        if (c === undefined) fail(2, `class '${name}' is not registered`);
        else process.stdout.write(json() ? `${JSON.stringify({ name: c.name, version: c.version, script: c.script })}\n` : c.script);
      });
    });

  cls
    .command('rm <name>')
    .description('remove a registered class (calls to it become EOPNOTSUPP)')
    .action(async (name: string) => {
      await withRados(conf(), async (r) => {
        finish(await r.monCommandRaw({ prefix: 'cls rm', name }));
      });
    });
}
