// The CHECKSUM sub-op's hash functions. Ceph's crc32c is the "raw" CRC-32C: the seed is used
// as the register as-is and the result is not inverted. @node-rs/crc32 computes the standard
// (pre- and post-inverted) CRC-32C continuing from a previous result, so
// raw(seed, data) = ~std(~seed, data).

import { crc32c } from '@node-rs/crc32';
import { xxh32, xxh64 } from '@node-rs/xxhash';
import { CHECKSUM_TYPE } from './types.js';

export type ChecksumType = (typeof CHECKSUM_TYPE)[keyof typeof CHECKSUM_TYPE];

export function isChecksumType(type: number): type is ChecksumType {
  return type === CHECKSUM_TYPE.XXHASH32 || type === CHECKSUM_TYPE.XXHASH64 || type === CHECKSUM_TYPE.CRC32C;
}

/** Bytes of the init value and of each result: 4 for the 32-bit hashes, 8 for xxhash64. */
export function checksumValueBytes(type: ChecksumType): number {
  return type === CHECKSUM_TYPE.XXHASH64 ? 8 : 4;
}

/** Ceph's ceph_crc32c(seed, data): no pre- or post-inversion. */
export function rawCrc32c(seed: number, data: Uint8Array): number {
  return ~crc32c(data, ~seed >>> 0) >>> 0;
}

/**
 * One checksum value, little-endian encoded as Ceph returns it. `init` holds at least
 * checksumValueBytes(type) bytes (little-endian seed).
 */
export function checksumChunk(type: ChecksumType, init: Buffer, chunk: Buffer): Buffer {
  const out = Buffer.alloc(checksumValueBytes(type));
  switch (type) {
    case CHECKSUM_TYPE.XXHASH32:
      out.writeUInt32LE(xxh32(chunk, init.readUInt32LE(0)) >>> 0);
      return out;
    case CHECKSUM_TYPE.XXHASH64:
      out.writeBigUInt64LE(BigInt.asUintN(64, xxh64(chunk, init.readBigUInt64LE(0))));
      return out;
    case CHECKSUM_TYPE.CRC32C:
      out.writeUInt32LE(rawCrc32c(init.readUInt32LE(0), chunk));
      return out;
  }
}
