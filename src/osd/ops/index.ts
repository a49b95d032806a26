// Public surface of the op engine (other layers import from here, not from the internals).
export * from './types.js';
export { executeOps, encodedOutputBytes, type OpHooks, type ScratchObject, type CopyFromOp } from './engine.js';
export { precheckRequest, isWriteOp, DEFAULT_PRECHECK_LIMITS } from './prechecks.js';
export { rawCrc32c } from './checksum.js';
export { compareKeys } from './bytes.js';
export { memoryView, memoryObject, applySteps, ABSENT, type MemoryObjectState } from './memory-view.js';
