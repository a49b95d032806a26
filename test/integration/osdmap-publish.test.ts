// The monitor publishes each new epoch as an incremental, and every receiver ends up with exactly
// the monitor's map: a raw subscriber on real TCP, the OSD daemons and a client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Config, parseConf, parseHostPort } from '../../src/core/config.js';
import { connect, type Connection } from '../../src/msg/index.js';
import { MSG, type OsdMapMessage } from '../../src/proto/messages.js';
import type { OsdMap } from '../../src/mon/maps/osdmap.js';
import { applyOsdMapIncremental, isOsdMapIncremental, sameValue } from '../../src/mon/maps/osdmap-incremental.js';
import type { Rados } from '../../src/client/rados.js';
import { TestCluster } from './harness.js';

describe('osdmap publishing', () => {
  let cluster: TestCluster;
  let rados: Rados;
  let sub: Connection;
  const received: OsdMapMessage[] = [];
  let arrived: () => void = () => undefined;

  before(async () => {
    cluster = await TestCluster.start({ numOsds: 3, extraConf: { mon_allow_pool_delete: true } });
    rados = await cluster.connect();
    const config = new Config(parseConf(readFileSync(cluster.confPath, 'utf8')), { type: 'client', id: 'admin' });
    const { host, port } = parseHostPort(config.get('mon_host'), 6789);
    sub = connect({
      host,
      port,
      reconnect: false,
      handler: {
        onMessage: (type, body) => {
          if (type !== MSG.OSDMAP) return;
          received.push(body as OsdMapMessage);
          arrived();
        },
      },
    });
  });

  after(async () => {
    sub?.close();
    await cluster?.destroy();
  });

  const monitorMap = async (): Promise<OsdMap> => (await sub.request<{ map: OsdMap }>(MSG.MON_GET_MAP, {})).map;

  /** Waits (bounded by the test's own timeout) until the subscriber has `count` messages. */
  const waitFor = async (count: number): Promise<void> => {
    while (received.length < count) await new Promise<void>((resolve) => (arrived = resolve));
  };

  test('each new epoch arrives as an incremental that rebuilds the monitor map exactly', { timeout: 60_000 }, async () => {
    const first = await sub.request<{ map?: OsdMap }>(MSG.MON_SUBSCRIBE, { sinceEpoch: 0 });
    assert.ok(first.map, 'a new subscriber gets the whole map');
    let map: OsdMap = first.map;
    const changes: Array<() => Promise<unknown>> = [
      () => rados.createPool('inc-a'),
      () => rados.monCommand({ prefix: 'osd pool set', pool: 'inc-a', var: 'size', val: '2' }),
      () => rados.monCommand({ prefix: 'osd out', ids: ['1'] }),
      () => rados.monCommand({ prefix: 'osd in', ids: ['1'] }),
      () => rados.monCommand({ prefix: 'osd crush reweight', name: 'osd.2', weight: 0.5 }),
      () => rados.deletePool('inc-a'),
    ];
    for (const change of changes) {
      const before = received.length;
      await change();
      const target = await monitorMap();
      await waitFor(before + (target.epoch - map.epoch));
      for (const msg of received.slice(before)) {
        assert.equal(msg.map, undefined, 'a published epoch is an incremental');
        assert.ok(isOsdMapIncremental(msg.inc));
        assert.equal(msg.inc.epoch, map.epoch + 1, 'epochs arrive in order, none skipped');
        map = applyOsdMapIncremental(map, msg.inc);
      }
      assert.ok(sameValue(map, target), `after ${received.length} messages the subscriber's map is the monitor's e${target.epoch}`);
    }
    // The client followed the same epochs, and sees what the monitor sees.
    await rados.waitForMap(map.epoch - 1);
    assert.ok(sameValue(rados.osdMap, map), "the client's map equals the monitor's");
  });

  test('the OSDs follow incrementals: a pool made after they booted gets active+clean PGs', { timeout: 60_000 }, async () => {
    await rados.createPool('inc-b');
    const io = rados.ioctx('inc-b');
    for (let i = 0; i < 8; i++) await io.writeFull(`o${i}`, Buffer.from(`v${i}`));
    for (let i = 0; i < 8; i++) assert.equal((await io.read(`o${i}`)).toString(), `v${i}`);
  });
});
