// `hello`: Ceph's teaching class (cls_hello), kept method for method because clients and tests
// use it to probe how the OSD runs classes: read vs write methods, output dropped on writes,
// output kept on failures, and the RD/WR enforcement (bad_reader, bad_writer).

import { neg } from '../../core/errors.js';
import { clientEntity, formatEntityAddr, formatEntityName, parseEntityAddr } from '../../codec/ceph-encoding.js';
import { method, objectClass, type MethodContext } from './method.js';
import type { ClsCaller, ObjectClass } from './types.js';

/** Inputs longer than this are refused (cls_hello's own limit). */
const GREETING_INPUT_MAX_BYTES = 100;
/** replay and turn_it_to_11 look at no more than this much of the object. */
const REPLAY_BYTES_MAX = 1100;

function greeting(input: Buffer): Buffer {
  return Buffer.concat([Buffer.from('Hello, '), input.length === 0 ? Buffer.from('world') : input, Buffer.from('!')]);
}

/** The request origin as Ceph prints an entity_inst_t: "client.4123 127.0.0.1:0/838491869". */
export function originText(caller: ClsCaller): string {
  return `${formatEntityName(clientEntity(caller.clientId))} ${formatEntityAddr(parseEntityAddr(caller.addr))}`;
}

/** ASCII-only upper-casing, as C's toupper in the "C" locale: other bytes pass through. */
function toUpperAscii(b: Buffer): Buffer {
  const out = Buffer.from(b);
  for (let i = 0; i < out.length; i++) {
    const c = out[i] ?? 0;
    if (c >= 0x61 && c <= 0x7a) out[i] = c - 0x20;
  }
  return out;
}

export const HELLO_CLASS: ObjectClass = objectClass({
  say_hello: method('rd', ({ input, out }) => {
    if (input.length > GREETING_INPUT_MAX_BYTES) return neg('EINVAL');
    out(greeting(input));
    return 0;
  }),

  record_hello: method('wr', ({ obj, input, caller }: MethodContext) => {
    if (input.length > GREETING_INPUT_MAX_BYTES) return neg('EINVAL');
    // stat is not a counted read, which is why a WR-only method may use it.
    if (obj.exists()) return neg('EEXIST');
    obj.writeFull(greeting(input));
    obj.setXattr('said_by', Buffer.from(originText(caller)));
    return 0;
  }),

  writes_dont_return_data: method('wr', ({ obj, input, out }) => {
    obj.setXattr('foo', Buffer.from('bar'));
    if (input.length > 0) {
      // A failing method's output does reach the client; its setxattr is discarded.
      out('too much input data!');
      return neg('EINVAL');
    }
    // A successful write drops both the output and the positive value: the client sees 0.
    out('you will never see this');
    return 42;
  }),

  replay: method('rd', ({ obj, out }) => {
    out(obj.read(0, REPLAY_BYTES_MAX));
    return 0;
  }),

  turn_it_to_11: method('rdwr', ({ obj, input, caller }) => {
    if (input.length !== 0) return neg('EINVAL');
    obj.writeFull(toUpperAscii(obj.read(0, REPLAY_BYTES_MAX)));
    obj.setXattr('amplified_by', Buffer.from(originText(caller)));
    return 0;
  }),

  // Counter-examples: registered WR but reads, registered RD but writes. Both end in EIO.
  bad_reader: method('wr', ({ obj, out }) => {
    out(obj.read(0, 100));
    return 0;
  }),

  bad_writer: method('rd', ({ obj, input }) => {
    obj.writeFull(input);
    return 0;
  }),
});
