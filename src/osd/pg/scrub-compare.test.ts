import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { compareScrubMaps, diffScrubObjects, type ScrubObject } from './scrub-compare.js';

const obj = (name: string, over: Partial<ScrubObject> = {}): ScrubObject => ({
  name,
  size: 10,
  userVersion: 3,
  mtime: { sec: 100, nsec: 5 },
  attrsDigest: 1,
  omapDigest: 2,
  omapHeaderDigest: 3,
  dataDigest: 4,
  ...over,
});

describe('scrub map comparison', () => {
  test('identical maps have no inconsistencies', () => {
    const objects = [obj('a'), obj('b')];
    assert.deepEqual(compareScrubMaps(0, [{ osd: 0, objects }, { osd: 1, objects }, { osd: 2, objects }], true), []);
  });

  test('a data digest difference is seen by a deep scrub only', () => {
    const maps = [
      { osd: 0, objects: [obj('a')] },
      { osd: 1, objects: [obj('a', { dataDigest: 99 })] },
    ];
    assert.deepEqual(compareScrubMaps(0, maps, false), []);
    assert.deepEqual(compareScrubMaps(0, maps, true), [{ name: 'a', authoritative: 0, errors: ['data_digest'], shards: [{ osd: 1, errors: ['data_digest'] }] }]);
  });

  test('the primary is authoritative unless a majority agrees on another copy', () => {
    const maps = [
      { osd: 2, objects: [obj('a', { attrsDigest: 7 })] },
      { osd: 0, objects: [obj('a')] },
      { osd: 1, objects: [obj('a')] },
    ];
    const [bad] = compareScrubMaps(2, maps, false);
    assert.equal(bad?.authoritative, 0);
    assert.deepEqual(bad?.shards, [{ osd: 2, errors: ['attrs_digest'] }]);
    // With two members that disagree, the primary wins.
    const [tie] = compareScrubMaps(2, maps.slice(0, 2), false);
    assert.equal(tie?.authoritative, 2);
    assert.deepEqual(tie?.shards, [{ osd: 0, errors: ['attrs_digest'] }]);
  });

  test('an object missing on one member is reported as missing there', () => {
    const maps = [
      { osd: 0, objects: [obj('a'), obj('b')] },
      { osd: 1, objects: [obj('a')] },
      { osd: 2, objects: [obj('a'), obj('b', { size: 11, omapDigest: 0 })] },
    ];
    const [b] = compareScrubMaps(0, maps, false);
    assert.equal(b?.name, 'b');
    assert.deepEqual(b?.shards, [{ osd: 1, errors: ['missing'] }, { osd: 2, errors: ['size', 'omap_digest'] }]);
    assert.deepEqual(b?.errors, ['missing', 'size', 'omap_digest']);
  });

  test('field differences are named the way rados list-inconsistent-obj names them', () => {
    assert.deepEqual(diffScrubObjects(obj('a'), obj('a', { userVersion: 4, mtime: { sec: 100, nsec: 6 }, omapHeaderDigest: 0 }), false), [
      'user_version',
      'mtime',
      'omap_header_digest',
    ]);
    assert.deepEqual(diffScrubObjects(undefined, undefined, true), []);
  });
});
