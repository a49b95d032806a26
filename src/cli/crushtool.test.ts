import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { vectorText } from '../placement/testdata.test.js';
import { runCrushtool } from './crushtool.js';

/** An in-memory file system and captured output for one crushtool session. */
function session(files: Record<string, string | Buffer> = {}) {
  const fs = new Map<string, Buffer>(Object.entries(files).map(([k, v]) => [k, Buffer.isBuffer(v) ? v : Buffer.from(v)]));
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: (s: string) => { stdout += s; },
    stderr: (s: string) => { stderr += s; },
    readFile: async (p: string) => {
      const b = fs.get(p);
      if (b === undefined) throw new Error(`ENOENT: no such file '${p}'`);
      return b;
    },
    writeFile: async (p: string, b: Buffer) => { fs.set(p, b); },
  };
  return {
    fs,
    run: async (...argv: string[]) => {
      stdout = '';
      stderr = '';
      const code = await runCrushtool(argv, io);
      return { code, stdout, stderr };
    },
  };
}

const map12 = vectorText('map12.txt');

describe('sepia crushtool', () => {
  test('-c map.txt -o map.bin then -d map.bin prints the original text exactly', async () => {
    const s = session({ 'map.txt': map12 });
    assert.deepEqual(await s.run('-c', 'map.txt', '-o', 'map.bin'), { code: 0, stdout: '', stderr: '' });
    const d = await s.run('-d', 'map.bin');
    assert.equal(d.code, 0);
    assert.equal(d.stdout, map12);
    assert.equal((await s.run('-d', 'map.bin', '-o', 'out.txt')).code, 0);
    assert.equal(s.fs.get('out.txt')!.toString(), map12);
  });

  test('--test --show-mappings prints crushtool\'s lines for every x, with and without --weight', async () => {
    const s = session({ 'map.txt': map12 });
    await s.run('-c', 'map.txt', '-o', 'map.bin');
    const base = ['-i', 'map.bin', '--test', '--show-mappings', '--rule', '0', '--min-x', '0', '--max-x', '9999'];
    const r3 = await s.run(...base, '--num-rep', '3');
    assert.equal(r3.stdout, vectorText('mappings.txt'));
    const r2 = await s.run(...base, '--num_rep', '2');
    assert.equal(r2.stdout, vectorText('mappings_rep2.txt'));
    const out5 = await s.run(...base, '--num-rep', '3', '--weight', '5', '0');
    assert.equal(out5.stdout, vectorText('mappings_osd5_out.txt'));
  });

  test('--build --num_osds 12 host straw2 3 root straw2 0 builds map12', async () => {
    const s = session();
    const b = await s.run('--build', '--num_osds', '12', 'host', 'straw2', '3', 'root', 'straw2', '0', '-o', 'b.bin');
    assert.equal(b.code, 0);
    assert.equal((await s.run('-d', 'b.bin')).stdout, map12);
    const noOut = await s.run('--build', '--num_osds', '4', 'host', 'straw2', '2', 'root', 'straw2', '0');
    assert.equal(noOut.stdout, "crushtool successfully built or modified map.  Use '-o <file>' to write it out.\n");
  });

  test('--show-utilization prints the result-size summary and stored/expected per device', async () => {
    const s = session({ 'map.txt': map12 });
    const r = await s.run('-c', 'map.txt', '--test', '--show-utilization', '--rule', '0', '--num-rep', '3', '--min-x', '0', '--max-x', '9999');
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], "crushtool successfully built or modified map.  Use '-o <file>' to write it out.");
    assert.equal(lines[1], 'rule 0 (replicated_rule), x = 0..9999, numrep = 3..3');
    assert.equal(lines[2], 'rule 0 (replicated_rule) num_rep 3 result size == 3:\t10000/10000');
    // Stored counts follow from the verified mappings: osd.0 appears 2554 times in mappings.txt.
    assert.equal(lines[3], '  device 0:\t\t stored : 2554\t expected : 2500');
    assert.equal(lines.length, 3 + 12 + 1);
    const stored = lines.slice(3, 15).map((l) => Number(/stored : (\d+)/.exec(l)?.[1]));
    assert.equal(stored.reduce((a, b) => a + b, 0), 30000);
  });

  test('--show-statistics reports short results when num-rep exceeds the failure domains', async () => {
    const s = session({ 'map.txt': map12 });
    const r = await s.run('-c', 'map.txt', '-o', 'm.bin');
    assert.equal(r.code, 0);
    const st = await s.run('-i', 'm.bin', '--test', '--show-statistics', '--num-rep', '5', '--min-x', '0', '--max-x', '99');
    assert.match(st.stdout, /rule 0 \(replicated_rule\) num_rep 5 result size == 4:\t100\/100\n/);
    const bad = await s.run('-i', 'm.bin', '--test', '--show-bad-mappings', '--num-rep', '5', '--x', '3');
    assert.equal(bad.stdout, 'bad mapping rule 0 x 3 num_rep 5 result [11,0,6,4]\n');
  });

  test('a malformed text map fails with the file name and line number on stderr', async () => {
    const s = session({ 'bad.txt': map12.replace('alg straw2', 'alg wobbly') });
    const r = await s.run('-c', 'bad.txt', '-o', 'x.bin');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "bad.txt:34 error: unknown bucket alg 'wobbly'\n");
    assert.equal(s.fs.has('x.bin'), false);
  });

  test('usage errors exit 1 with a message', async () => {
    const s = session();
    assert.deepEqual(await s.run(), { code: 1, stdout: '', stderr: 'no action specified; -h for help\n' });
    const missing = await s.run('-d', 'nope.bin');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /error reading 'nope.bin'/);
    const garbage = await session({ 'g.bin': 'garbage' }).run('-d', 'g.bin');
    assert.equal(garbage.code, 1);
    assert.match(garbage.stderr, /unable to decode g.bin/);
    assert.equal((await s.run('--test', '--bogus')).code, 1);
    assert.equal((await s.run('--build', '--num_osds', '3', 'host', 'straw2')).code, 1);
    assert.equal((await s.run('-c', 'a', '--build')).code, 1);
  });

  test('--test without an output flag warns, as crushtool does', async () => {
    const s = session({ 'map.txt': map12 });
    const r = await s.run('-c', 'map.txt', '--test');
    assert.equal(r.code, 0);
    assert.equal(r.stderr, 'WARNING: no output selected; use --output-csv or --show-X\n');
  });
});
