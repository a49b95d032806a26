import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RadosError } from '../../core/errors.js';
import { vectorText } from '../testdata.test.js';
import { buildLayeredCrushMap, buildSimpleCrushMap } from './build.js';
import { decodeCrushMap, encodeCrushMap } from './codec.js';
import { formatFixed, formatGeneral } from './format.js';
import { CrushTextError, compileCrushText, decompileCrushMap } from './text.js';
import { BucketAlg, RuleOp, TUNABLES_PROFILES } from './types.js';

const map12Text = vectorText('map12.txt');

function compileError(text: string): CrushTextError {
  try {
    compileCrushText(text);
  } catch (e) {
    assert.ok(e instanceof CrushTextError, `expected CrushTextError, got ${String(e)}`);
    return e;
  }
  assert.fail('compile succeeded');
}

describe('CRUSH text format', () => {
  test('map12.txt compiles and decompiles byte for byte as crushtool -d prints it', () => {
    assert.equal(decompileCrushMap(compileCrushText(map12Text)), map12Text);
  });

  test('the compiled map carries jewel tunables, 12 devices, 5 straw2 buckets and rule 0', () => {
    const map = compileCrushText(map12Text);
    assert.deepEqual(map.tunables, TUNABLES_PROFILES.jewel);
    assert.equal(map.devices.length, 12);
    assert.equal(map.buckets.length, 5);
    assert.ok(map.buckets.every((b) => b.alg === BucketAlg.straw2));
    assert.deepEqual(map.rules[0]!.steps.map((s) => s.op), [RuleOp.take, RuleOp.chooseleafFirstn, RuleOp.emit]);
    assert.deepEqual(map.rules[0]!.steps[0], { op: RuleOp.take, arg1: -5, arg2: 0 });
  });

  test('crushtool --build of 12 OSDs in hosts of 3 under one root equals map12', () => {
    const built = buildLayeredCrushMap(12, [{ name: 'host', alg: 'straw2', size: 3 }, { name: 'root', alg: 'straw2', size: 0 }]);
    assert.equal(decompileCrushMap(built), map12Text);
  });

  test('the binary encoding round-trips a map exactly', () => {
    const map = compileCrushText(map12Text);
    assert.deepEqual(decodeCrushMap(encodeCrushMap(map)), map);
    const simple = buildSimpleCrushMap({ osds: [{ id: 0, host: 'a', weight: 0.5 }, { id: 3, host: 'b', weight: 2 }], chooseleafType: 'osd' });
    assert.deepEqual(decodeCrushMap(encodeCrushMap(simple)), simple);
  });

  test('decoding rejects garbage, truncation and trailing bytes with EINVAL', () => {
    const good = encodeCrushMap(compileCrushText(map12Text));
    for (const bad of [Buffer.from('not a map'), good.subarray(0, good.length - 3), Buffer.concat([good, Buffer.from([0])])]) {
      assert.throws(() => decodeCrushMap(bad), (e: unknown) => RadosError.is(e) && e.code === 'EINVAL');
    }
  });

  test('ids, weights, classes, uniform/list buckets and set steps survive a round trip', () => {
    const text = `# begin crush map
tunable choose_total_tries 50

# devices
device 0 osd.0 class ssd
device 1 osd.1
device 2 osd.2

# types
type 0 osd
type 1 host
type 2 root

# buckets
host a {
	id -3		# do not change unnecessarily
	# weight 0.125
	alg uniform	# do not change bucket size (2) unnecessarily
	hash 0	# rjenkins1
	item osd.0 weight 0.062 pos 0
	item osd.1 weight 0.062 pos 1
}
host b {
	id -2		# do not change unnecessarily
	# weight 1.500
	alg list	# add new items at the end; do not change order unnecessarily
	hash 0	# rjenkins1
	item osd.2 weight 1.500
}
root top {
	id -1		# do not change unnecessarily
	# weight 1.625
	alg straw2
	hash 0	# rjenkins1
	item a weight 0.125
	item b weight 1.500
}

# rules
rule r {
	id 1
	type erasure
	min_size 3
	max_size 6
	step set_chooseleaf_tries 5
	step set_choose_tries 100
	step take top
	step chooseleaf indep 0 type host
	step emit
}

# end crush map
`;
    const map = compileCrushText(text);
    // 0.062 in float times 65536 truncates to 4063, which prints back as 0.062.
    assert.equal(map.buckets.find((b) => b.name === 'a')!.weights[0], 4063);
    assert.equal(decompileCrushMap(map), text.replace('# weight 0.125', '# weight 0.124'));
  });

  test('a bucket without an id gets the first free negative id after explicit ones', () => {
    const map = compileCrushText(`type 0 osd\ntype 1 host\ndevice 0 osd.0\nhost x { alg straw2 item osd.0 }\nhost y { id -1 alg straw2 }\n`);
    assert.deepEqual(map.buckets.map((b) => [b.name, b.id]), [['x', -2], ['y', -1]]);
  });

  const errors: Array<[string, string, number, RegExp]> = [
    ['an unknown tunable', 'tunable bogus 1\n', 1, /tunable bogus not recognized/],
    ['an undefined bucket type', 'type 0 osd\n\nrack r1 {\n}\n', 3, /bucket type 'rack' is not defined/],
    ['an undefined item', 'type 0 osd\ntype 1 host\nhost h {\n\tid -1\n\talg straw2\n\titem osd.9 weight 1.0\n}\n', 6, /item 'osd.9' in bucket 'h' is not defined/],
    ['a bad weight', 'type 0 osd\ntype 1 host\ndevice 0 osd.0\nhost h {\n\talg straw2\n\titem osd.0 weight heavy\n}\n', 6, /expected number item weight/],
    ['an unknown alg', 'type 0 osd\ntype 1 host\nhost h {\n\talg fancy\n}\n', 4, /unknown bucket alg 'fancy'/],
    ['an unclosed bucket', 'type 0 osd\ntype 1 host\nhost h {\n\talg straw2\n', 4, /unexpected end of input/],
    ['an undefined take target', map12Text.replace('step take root', 'step take nowhere'), 84, /item 'nowhere' not defined/],
    ['an undefined choose type', map12Text.replace('type host\n\tstep emit', 'type rack\n\tstep emit'), 85, /type 'rack' not defined/],
    ['a duplicate rule id', `${map12Text}\nrule again {\n\tid 0\n\ttype replicated\n\tstep emit\n}\n`, 92, /rule 0 already exists/],
    ['a stray word', 'type 0 osd\nbanana\n', 2, /unexpected 'banana'/],
  ];
  for (const [what, text, line, message] of errors) {
    test(`${what} is a CrushTextError (EINVAL) naming line ${line}`, () => {
      const e = compileError(text);
      assert.equal(e.line, line);
      assert.match(e.detail, message);
      assert.equal(e.code, 'EINVAL');
      assert.ok(RadosError.is(e));
    });
  }
});

describe('C-style number formatting', () => {
  test('%.3f rounds exact ties to even like glibc', () => {
    assert.equal(formatFixed(0.0625, 3), '0.062');
    assert.equal(formatFixed(0.1875, 3), '0.188');
    assert.equal(formatFixed(1, 3), '1.000');
    assert.equal(formatFixed(12, 3), '12.000');
  });

  test('%g prints six significant digits and drops trailing zeros', () => {
    assert.equal(formatGeneral(2500), '2500');
    assert.equal(formatGeneral(833.3333), '833.333');
    assert.equal(formatGeneral(267.12997), '267.13');
    assert.equal(formatGeneral(1234567), '1.23457e+06');
    assert.equal(formatGeneral(0.0001), '0.0001');
    assert.equal(formatGeneral(0.00001), '1e-05');
    assert.equal(formatGeneral(0), '0');
  });
});
