export {
  FRAME_FLAG_COMPACT,
  FRAME_FLAG_ERROR,
  FRAME_MAGIC,
  FRAME_VERSION,
  FRAME_FIXED_HEADER_BYTES,
  SEGMENT_MIN_BYTES,
  BODY_DEPTH_MAX,
  DEFAULT_FRAME_LIMITS,
  FrameDecoder,
  FrameError,
  FrameKind,
  checkFrameLimits,
  chunksBytes,
  encodeMessage,
} from './frame.js';
export type { EncodeOptions, Frame, FrameErrorReason, FrameLimits } from './frame.js';
export { GatheredBytes } from './gathered-bytes.js';
export { OP_WIRE_TYPE, REPOP_WIRE_TYPE } from './op-wire.js';
