// Public surface of the OSD object store. Internals (key encodings, the KV port, the onode
// codec) stay private to this folder.
export type { ObjectKey, ObjectMutation, ObjectStore, StoreTxn } from './object-store.js';
export { STORE_LIMITS } from './object-store.js';
export { openLmdbStore, type LmdbObjectStore, type LmdbStoreOptions } from './lmdb-store.js';
export { MemoryDisk, openMemoryStore, type MemoryObjectStore } from './memory-store.js';
export type { KvObjectStore, KvStoreOptions } from './kv-object-store.js';
