// `sepia rados` against a real cluster, checked against the transcript of Ceph 16.2.15's `rados`
// (shared/spec/rados-cli.txt): same stdout, same stderr, same exit codes.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { TestCluster } from './harness.js';
import { runRados } from '../../src/cli/rados-cmd.js';
import { memoryIo } from '../../src/cli/cli-io.js';

const SEPIA = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

describe('sepia rados prints what Ceph prints', () => {
  let cluster: TestCluster;
  let inFile: string;

  const rados = async (...args: string[]): Promise<{ out: string; err: string; rc: number; outBuf: Buffer }> => {
    const io = memoryIo();
    const rc = await runRados(['-c', cluster.confPath, ...args], io);
    return { out: io.out(), err: io.err(), rc, outBuf: io.outBuf() };
  };

  before(async () => {
    cluster = await TestCluster.start();
    inFile = join(cluster.dir, 'in.txt');
    writeFileSync(inFile, 'hello rados cli\n');
    const r = await rados('mkpool', 'clitest');
    assert.equal(r.out, 'successfully created pool clitest\n');
  });

  after(async () => {
    await cluster?.destroy();
  });

  test('put, get, stat, ls and rm follow the transcript', async () => {
    assert.deepEqual(await rados('-p', 'clitest', 'put', 'o', inFile), { out: '', err: '', rc: 0, outBuf: Buffer.alloc(0) });
    const got = await rados('-p', 'clitest', 'get', 'o', '-');
    assert.equal(got.out, 'hello rados cli\n');
    const st = await rados('-p', 'clitest', 'stat', 'o');
    assert.match(st.out, /^clitest\/o mtime \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000[+-]\d{4}, size 16\n$/);
    const st2 = await rados('-p', 'clitest', 'stat2', 'o');
    assert.match(st2.out, /^clitest\/o mtime \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d{4}, size 16\n$/);
    assert.equal((await rados('-p', 'clitest', 'ls')).out, 'o\n');
    const missing = await rados('-p', 'clitest', 'stat', 'nosuchobj');
    assert.deepEqual([missing.out, missing.err, missing.rc], ['', ' error stat-ing clitest/nosuchobj: (2) No such file or directory\n', 1]);
    const gm = await rados('-p', 'clitest', 'get', 'missing-object', join(cluster.dir, 'none'));
    assert.deepEqual([gm.err, gm.rc], ['error getting clitest/missing-object: (2) No such file or directory\n', 1]);
    const rm = await rados('-p', 'clitest', 'rm', 'missing-object');
    assert.deepEqual([rm.err, rm.rc], ['error removing clitest>missing-object: (2) No such file or directory\n', 1]);
    const nofile = await rados('-p', 'clitest', 'put', 'o2', 'nosuchfile');
    assert.deepEqual([nofile.err, nofile.rc], ['error reading input file nosuchfile: (2) No such file or directory\n', 0]);
  });

  test('pool errors, unknown commands and a missing conf file read as in Ceph', async () => {
    for (const cmd of [['put', 'o', inFile], ['ls'], ['df']]) {
      const r = await rados('-p', 'nosuchpool', ...cmd);
      assert.deepEqual([r.out, r.err, r.rc], ['', 'error opening pool nosuchpool: (2) No such file or directory\n', 1]);
    }
    const f = await rados('frobnicate');
    assert.deepEqual([f.err, f.rc], ['unrecognized command frobnicate; -h or --help for usage\nerror 22: (22) Invalid argument\n', 1]);
    const ls = await rados('ls');
    assert.deepEqual([ls.err, ls.rc], ['either pool name or pg id needs to be specified\n', 1]);
    const io = memoryIo();
    const rc = await runRados(['-c', 'nosuch.conf', 'lspools'], io);
    assert.deepEqual([io.err(), rc], ['global_init: unable to open config file from search list nosuch.conf\n', 1]);
  });

  test('xattr commands print raw values and ENODATA errors', async () => {
    assert.equal((await rados('-p', 'clitest', 'setxattr', 'o', 'user.color', 'blue')).rc, 0);
    assert.deepEqual((await rados('-p', 'clitest', 'getxattr', 'o', 'user.color')).out, 'blue');
    assert.equal((await rados('-p', 'clitest', 'listxattr', 'o')).out, 'user.color\n');
    const e = await rados('-p', 'clitest', 'getxattr', 'o', 'user.nosuch');
    assert.deepEqual([e.err, e.rc], ['error getting xattr clitest/o/user.nosuch: (61) No data available\n', 1]);
    assert.equal((await rados('-p', 'clitest', 'rmxattr', 'o', 'user.color')).rc, 0);
    assert.equal((await rados('-p', 'clitest', 'getxattr', 'o', 'user.color')).rc, 1);
  });

  test('omap commands print hexdumps exactly like Ceph', async () => {
    await rados('-p', 'clitest', 'setomapval', 'o', 'k1', 'v1');
    await rados('-p', 'clitest', 'setomapval', 'o', 'k2', 'v2');
    await rados('-p', 'clitest', 'setomapheader', 'o', 'hdr-value');
    assert.equal(
      (await rados('-p', 'clitest', 'getomapheader', 'o')).out,
      'header (9 bytes) :\n00000000  68 64 72 2d 76 61 6c 75  65                       |hdr-value|\n00000009\n\n',
    );
    assert.equal((await rados('-p', 'clitest', 'listomapkeys', 'o')).out, 'k1\nk2\n');
    assert.equal(
      (await rados('-p', 'clitest', 'listomapvals', 'o')).out,
      'k1\nvalue (2 bytes) :\n00000000  76 31                                             |v1|\n00000002\n\n' +
        'k2\nvalue (2 bytes) :\n00000000  76 32                                             |v2|\n00000002\n\n',
    );
    assert.equal(
      (await rados('-p', 'clitest', 'getomapval', 'o', 'k1')).out,
      'value (2 bytes) :\n00000000  76 31                                             |v1|\n00000002\n\n',
    );
    const nokey = await rados('-p', 'clitest', 'getomapval', 'o', 'nosuchkey');
    assert.deepEqual([nokey.out, nokey.rc], ['No such key: clitest/o/nosuchkey\n', 1]);
    const nobj = await rados('-p', 'clitest', 'listomapvals', 'nosuchobj');
    assert.deepEqual([nobj.err, nobj.rc], ['error getting omap keys clitest/nosuchobj: (2) No such file or directory\n', 1]);
    assert.equal((await rados('-p', 'clitest', 'rmomapkey', 'o', 'k1')).rc, 0);
    assert.equal((await rados('-p', 'clitest', 'listomapkeys', 'o')).out, 'k2\n');
    assert.equal((await rados('-p', 'clitest', 'clearomap', 'o')).rc, 0);
    assert.equal((await rados('-p', 'clitest', 'listomapkeys', 'o')).out, '');
  });

  test('advisory lock commands print what Ceph prints', async () => {
    await rados('-p', 'clitest', 'put', 'lk', inFile);
    assert.deepEqual((await rados('-p', 'clitest', 'lock', 'get', 'lk', 'mylock')).rc, 0);
    const busy = await rados('-p', 'clitest', 'lock', 'get', 'lk', 'mylock');
    assert.deepEqual([busy.err, busy.rc], ['ERROR: failed locking: (16) Device or resource busy\nerror 16: (16) Device or resource busy\n', 1]);
    assert.equal((await rados('-p', 'clitest', 'lock', 'list', 'lk')).out, '{"objname":"lk","locks":[{"name":"mylock"}]}');
    const info = await rados('-p', 'clitest', 'lock', 'info', 'lk', 'mylock');
    assert.match(
      info.out,
      /^\{"name":"mylock","type":"exclusive","tag":"","lockers":\[\{"name":"client\.\d+","cookie":"","description":"","expiration":"0\.000000","addr":"127\.0\.0\.1:\d+\/\d+"\}\]\}$/,
    );
    assert.equal((await rados('-p', 'clitest', 'lock', 'info', 'lk', 'nosuchlock')).out, '{"name":"nosuchlock","type":"none","tag":"","lockers":[]}');
    const nl = await rados('-p', 'clitest', 'lock', 'list', 'nosuchobj');
    assert.deepEqual([nl.err, nl.rc], ['ERROR: rados_list_locks(): (2) No such file or directory\nerror 2: (2) No such file or directory\n', 1]);
    const ni = await rados('-p', 'clitest', 'lock', 'info', 'nosuchobj', 'mylock');
    assert.deepEqual([ni.err, ni.rc], ['ERROR: rados_lock_get_lock_info(): (2) No such file or directory\nerror 2: (2) No such file or directory\n', 1]);
  });

  test('rados bench writes, reads back and cleans up with Ceph\'s table and summary', async () => {
    const none = await rados('-p', 'clitest', 'bench', '1', 'seq', '-t', '4');
    assert.deepEqual(
      [none.out, none.err, none.rc],
      ['hints = 1\n', 'Must write data before running a read benchmark!\nerror during benchmark: (2) No such file or directory\nerror 2: (2) No such file or directory\n', 1],
    );
    const w = await rados('-p', 'clitest', 'bench', '1', 'write', '--no-cleanup', '-b', '4096', '-t', '4');
    assert.equal(w.rc, 0, w.err);
    const lines = w.out.split('\n');
    assert.equal(lines[0], 'hints = 1');
    assert.equal(lines[1], 'Maintaining 4 concurrent writes of 4096 bytes to objects of size 4096 for up to 1 seconds or 0 objects');
    assert.match(lines[2] ?? '', /^Object prefix: benchmark_data_\S+_\d+$/);
    assert.equal(lines[3], '  sec Cur ops   started  finished  avg MB/s  cur MB/s last lat(s)  avg lat(s)');
    assert.equal(lines[4], '    0       0         0         0         0         0           -           0');
    // Like Ceph's status printer, a row for every whole second the run lasted: the last op
    // completes after the deadline, so a 1-second run has rows 0 and 1.
    assert.match(lines[5] ?? '', /^    1 +\d+ +\d+ +\d+ /);
    assert.match(lines[6] ?? '', /^Total time run: /);
    for (const label of ['Total time run:', 'Total writes made:', 'Write size:             4096', 'Object size:            4096', 'Bandwidth (MB/sec):', 'Average IOPS:', 'Average Latency(s):', 'Max latency(s):', 'Min latency(s):', 'p99 latency(s):']) {
      assert.ok(w.out.includes(`\n${label}`), `summary has '${label}'`);
    }
    const made = Number(/Total writes made:\s+(\d+)/.exec(w.out)?.[1]);
    assert.ok(made > 0);
    const seq = await rados('-p', 'clitest', 'bench', '1', 'seq', '-t', '4');
    assert.equal(seq.rc, 0, seq.err);
    assert.match(seq.out, /\nTotal reads made:\s+\d+\nRead size:\s+4096\n/);
    const rand = await rados('-p', 'clitest', 'bench', '1', 'rand', '-t', '4', '-f', 'json');
    assert.equal(rand.rc, 0, rand.err);
    const js = JSON.parse(rand.out.split('\n')[1] ?? '{}') as Record<string, string>;
    assert.ok(Number(js['total_reads_made']) > 0);
    // A read run's fields, in Ceph's order (then Sepia's percentiles).
    assert.deepEqual(Object.keys(js), [
      'datas', 'total_time_run', 'total_reads_made', 'read_size', 'object_size', 'bandwidth', 'average_iops', 'stddev_iops', 'max_iops', 'min_iops',
      'average_latency', 'max_latency', 'min_latency', 'p50_latency', 'p99_latency', 'p999_latency',
    ]);
    // Rows 0 and 1, as Ceph's JSON has them for a 1-second run.
    const datas = js['datas'] as unknown as Array<Record<string, string>>;
    assert.deepEqual(datas.map((d) => d['sec']), ['0', '1']);
    assert.deepEqual(datas[0], { sec: '0', cur_ops: '0', started: '0', finished: '0', avg_bw: '0.000000', cur_bw: '0.000000', last_lat: '0.000000', avg_lat: '0.000000' });
    assert.ok(Number(js['p99_latency']) >= Number(js['p50_latency']));
    const clean = await rados('-p', 'clitest', 'cleanup');
    assert.equal(clean.out, `Removed ${made} objects\n`);
    // Counted as Ceph 16 counts: the first -t writes start before the clock or --max-objects is
    // looked at, so 0 seconds is one round of -t writes and a capped run makes at least -t + 1.
    for (const [secs, max, t, want] of [['0', '0', '3', 3], ['0', '9', '2', 2], ['30', '3', '2', 3], ['30', '1', '2', 3], ['30', '5', '2', 5]] as const) {
      const capped = await rados('-p', 'clitest', 'bench', secs, 'write', '-b', '4096', '-t', t, '--max-objects', max);
      assert.equal(capped.rc, 0, capped.err);
      assert.ok(capped.out.includes(`for up to ${secs} seconds or ${max} objects\n`));
      assert.match(capped.out, new RegExp(`\nTotal writes made: +${want}\n`), `bench ${secs} --max-objects ${max} -t ${t}`);
      assert.match(capped.out, new RegExp(`\nRemoved ${want} objects\n`));
    }
    assert.equal((await rados('-p', 'clitest', 'cleanup')).out, '');
    // Objects of an interrupted run (no metadata object) go by Ceph's slow linear search over
    // this host's prefix; one object is "1 object".
    const host = `benchmark_data_${hostname().slice(0, 29)}`;
    for (const name of [`${host}_77_object0`, `${host}_77_object1`, `${host}_78_object0`]) await rados('-p', 'clitest', 'put', name, inFile);
    assert.deepEqual(await rados('-p', 'clitest', 'cleanup', '--prefix', `${host}_78`), { out: 'Warning: using slow linear search\nRemoved 1 object\n', err: '', rc: 0, outBuf: Buffer.from('Warning: using slow linear search\nRemoved 1 object\n') });
    assert.equal((await rados('-p', 'clitest', 'cleanup')).out, 'Warning: using slow linear search\nRemoved 2 objects\n');
    const badPrefix = await rados('-p', 'clitest', 'cleanup', '--prefix', 'mydata');
    assert.deepEqual(
      [badPrefix.out, badPrefix.err, badPrefix.rc],
      ['', 'Specified --prefix invalid, it must begin with "benchmark_data"\nerror during cleanup: (22) Invalid argument\nerror 22: (22) Invalid argument\n', 1],
    );
    // --reuse-bench rewrites the previous run's objects (its prefix and sizes); --no-hints shows.
    const noRun = await rados('-p', 'clitest', 'bench', '1', 'write', '--reuse-bench', '-t', '2');
    assert.deepEqual(
      [noRun.err, noRun.rc],
      ['Must write data before using reuse_bench for a write benchmark!\nerror during benchmark: (2) No such file or directory\nerror 2: (2) No such file or directory\n', 1],
    );
    const first = await rados('-p', 'clitest', 'bench', '0', 'write', '--no-hints', '-b', '4096', '-t', '2', '--no-cleanup');
    assert.equal(first.out.split('\n')[0], 'hints = 0');
    // A write run's JSON opens with its parameters and repeats object_size, as Ceph's does.
    const wj = await rados('-p', 'clitest', 'bench', '0', 'write', '-b', '4096', '-t', '2', '-f', 'json', '--run-name', 'jsonrun');
    const keys = [...(wj.out.split('\n')[1] ?? '').matchAll(/"([a-z_0-9]+)":/g)].map((m) => m[1]).filter((k) => !['sec', 'cur_ops', 'started', 'finished', 'avg_bw', 'cur_bw', 'last_lat', 'avg_lat'].includes(k ?? ''));
    assert.deepEqual(keys, [
      'concurrent_ios', 'object_size', 'op_size', 'seconds_to_run', 'max_objects', 'object_prefix', 'datas', 'total_time_run', 'total_writes_made', 'write_size',
      'object_size', 'bandwidth', 'stddev_bandwidth', 'max_bandwidth', 'min_bandwidth', 'average_iops', 'stddev_iops', 'max_iops', 'min_iops', 'average_latency',
      'stddev_latency', 'max_latency', 'min_latency', 'p50_latency', 'p99_latency', 'p999_latency',
    ]);
    const again = await rados('-p', 'clitest', 'bench', '0', 'write', '--reuse-bench', '-t', '2', '--no-cleanup');
    assert.equal(again.rc, 0, again.err);
    const prefixOf = (out: string): string | undefined => /\nObject prefix: (\S+)\n/.exec(out)?.[1];
    assert.equal(prefixOf(again.out), prefixOf(first.out));
    assert.match(again.out, /^Maintaining 2 concurrent writes of 4096 bytes to objects of size 4096 /m);
    // Reads are compared with what the write run wrote, as Ceph's are (--no-verify skips it).
    assert.equal((await rados('-p', 'clitest', 'bench', '5', 'seq', '-t', '1')).rc, 0);
    await rados('-p', 'clitest', 'put', `${prefixOf(first.out)}_object1`, inFile);
    const wrong = await rados('-p', 'clitest', 'bench', '5', 'seq', '-t', '1');
    assert.deepEqual(
      [wrong.err, wrong.rc],
      [`${prefixOf(first.out)}_object1 is not correct!\nerror during benchmark: (5) Input/output error\nerror 5: (5) Input/output error\n`, 1],
    );
    assert.match(wrong.out, /\nTotal reads made: +2\n/);
    assert.equal((await rados('-p', 'clitest', 'bench', '5', 'seq', '-t', '1', '--no-verify')).rc, 0);
    assert.equal((await rados('-p', 'clitest', 'cleanup')).out, 'Removed 2 objects\n');
  });

  test('lspools and df show the pools in Ceph layout', async () => {
    const pools = await rados('lspools');
    assert.equal(pools.out, 'clitest\n');
    const df = await rados('df');
    const lines = df.out.split('\n');
    assert.match(lines[0] ?? '', /^POOL_NAME +USED +OBJECTS +CLONES +COPIES +MISSING_ON_PRIMARY +UNFOUND +DEGRADED +RD_OPS +RD +WR_OPS +WR +USED COMPR +UNDER COMPR$/);
    assert.match(lines[1] ?? '', /^clitest /);
    assert.match(df.out, /\ntotal_objects +\d+\ntotal_used +[\d.]+ \w?i?B\ntotal_avail +[\d.]+ \w?i?B\ntotal_space +[\d.]+ \w?i?B\n$/);
  });

  test('the sepia binary runs rados, status and osd commands as separate processes', async () => {
    await cluster.waitHealthy();
    const run = (...args: string[]) => spawnSync(process.execPath, [SEPIA, '-c', cluster.confPath, ...args], { encoding: 'utf8' });
    const ls = run('rados', 'lspools');
    assert.equal(ls.status, 0, ls.stderr);
    assert.equal(ls.stdout, 'clitest\n');
    const status = run('status');
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /health: HEALTH_OK/);
    assert.match(status.stdout, /osd: 3 osds: 3 up, 3 in/);
    assert.match(status.stdout, /pgs: +32 active\+clean/);
    const js = run('--format', 'json', 'status');
    assert.equal(JSON.parse(js.stdout).osdmap.num_up_osds, 3);
    // A reader that goes away (`| head`) ends the command quietly with a shell's SIGPIPE status,
    // as Ceph's tools die of SIGPIPE: no EPIPE stack trace.
    const piped = spawn(process.execPath, [SEPIA, '-c', cluster.confPath, 'rados', 'lspools'], { stdio: ['ignore', 'pipe', 'pipe'] });
    piped.stdout.destroy();
    let pipedErr = '';
    piped.stderr.on('data', (d: Buffer) => (pipedErr += d.toString()));
    const pipedCode = await new Promise<number | null>((resolve) => piped.on('close', (code) => resolve(code)));
    assert.deepEqual([pipedCode, pipedErr], [141, '']);
    const map = run('osd', 'map', 'clitest', 'o');
    assert.match(map.stdout, /^osdmap e\d+ pool 'clitest' \(\d+\) object 'o' -> pg \d+\.[0-9a-f]+ \(\d+\.[0-9a-f]+\) -> up \(\[\d,\d,\d\], p\d\) acting \(\[\d,\d,\d\], p\d\)\n$/);
    // The object's PG, as `ceph pg map` and `ceph pg dump` show it: same up and acting sets.
    const objectPg = /-> pg \S+ \((\d+\.[0-9a-f]+)\) -> up \(\[([\d,]+)\], p(\d)\)/.exec(map.stdout);
    assert.ok(objectPg);
    const pgMap = run('pg', 'map', objectPg[1]!);
    assert.equal(pgMap.status, 0, pgMap.stderr);
    assert.equal(pgMap.stdout, `osdmap e${/^osdmap e(\d+)/.exec(map.stdout)?.[1]} pg ${objectPg[1]} (${objectPg[1]}) -> up [${objectPg[2]}] acting [${objectPg[2]}]\n`);
    const dumpRows = JSON.parse(run('--format', 'json', 'pg', 'dump').stdout) as Array<{ pgid: string; up: number[]; up_primary: number; acting: number[] }>;
    const row = dumpRows.find((r) => r.pgid === objectPg[1]);
    assert.deepEqual(row?.up, objectPg[2]!.split(',').map(Number));
    assert.equal(row?.up_primary, Number(objectPg[3]));
    assert.deepEqual(row?.acting, row?.up);
    assert.match(run('pg', 'dump').stdout, /^PG_STAT +OBJECTS +BYTES +STATE +UP +UP_PRIMARY +ACTING +ACTING_PRIMARY/);
    const missing = run('pg', 'map', '99.0');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^Error ENOENT: pg 99\.0 does not exist/);
    const rm = run('osd', 'pool', 'rm', 'clitest', 'clitest', '--yes-i-really-really-mean-it');
    assert.equal(rm.status, 1);
    assert.match(rm.stderr, /^Error EPERM: pool deletion is disabled/);
    const help = run('rados', '--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^usage: sepia rados \[options\] \[commands\]/);
  });
});
