// Reusable buffers for the data of read replies. A fresh 4 MiB reply buffer per read cost the
// busiest OSD most of a seq-read run: new pages to fault in and zero, and V8 collections forced
// by the external memory (a reused buffer: seq read 780-820 -> 1,200-1,377 MB/s). Chunks go back
// to the pool only once the reply's bytes are in the kernel (see GatheredBytes.release).
//
// Chunks are cut from 1 MiB slabs: a slab is above glibc's mmap threshold, so its memory goes
// back to the system when the GC frees it. Chunks of their own (64 KiB) came from the malloc heap,
// and the heap kept them after a burst of reads (the busiest OSD stayed ~60 MiB larger).

import { invariant } from '../../core/assert.js';

const SLAB_BYTES = 1024 * 1024;

export class ReadChunkPool {
  private readonly free: Buffer[] = [];
  /** The chunks of each slab this pool made, by the slab's memory (parts are views of them). */
  private readonly slabs = new WeakMap<ArrayBufferLike, readonly Buffer[]>();
  private readonly inFreeList = new WeakSet<Buffer>();
  /** Fewest free chunks since the last trim: that many sat unused the whole time. */
  private lowWater = 0;
  private readonly chunksPerSlab: number;

  /** `free_max` bounds the memory kept between reads: free_max × chunk_bytes. */
  constructor(
    readonly chunk_bytes: number,
    readonly free_max: number,
  ) {
    invariant(Number.isInteger(chunk_bytes) && chunk_bytes > 0 && Number.isInteger(free_max) && free_max >= 0, 'read chunk pool sizes');
    this.chunksPerSlab = Math.max(1, Math.floor(SLAB_BYTES / chunk_bytes));
  }

  get freeChunks(): number {
    return this.free.length;
  }

  take(): Buffer {
    if (this.free.length === 0) this.addSlab();
    const chunk = this.free.pop();
    invariant(chunk !== undefined, 'a new slab fills the free list');
    this.inFreeList.delete(chunk);
    this.lowWater = Math.min(this.lowWater, this.free.length);
    return chunk;
  }

  /**
   * Returns the chunk `part` is a view of; false for a buffer this pool did not make (left to
   * the GC, or to another pool).
   */
  give(part: Buffer): boolean {
    const chunks = this.slabs.get(part.buffer);
    const first = chunks?.[0];
    if (chunks === undefined || first === undefined) return false;
    const chunk = chunks[Math.floor((part.byteOffset - first.byteOffset) / this.chunk_bytes)];
    invariant(chunk !== undefined && part.byteOffset + part.length <= chunk.byteOffset + chunk.length, 'a part lies inside one chunk');
    invariant(!this.inFreeList.has(chunk), 'a read chunk was given back twice');
    if (this.free.length >= this.free_max) return true;
    this.inFreeList.add(chunk);
    this.free.push(chunk);
    return true;
  }

  /**
   * Drops the chunks that stayed free since the last trim, so memory kept for a burst of reads
   * goes back once the burst is over (the OSD calls this every second).
   */
  trim(): void {
    invariant(this.lowWater <= this.free.length, 'low water is at most the free count');
    for (const chunk of this.free.splice(0, this.lowWater)) this.inFreeList.delete(chunk);
    this.lowWater = this.free.length;
  }

  private addSlab(): void {
    const slab = Buffer.allocUnsafeSlow(this.chunksPerSlab * this.chunk_bytes);
    const chunks: Buffer[] = [];
    for (let i = 0; i < this.chunksPerSlab; i += 1) chunks.push(slab.subarray(i * this.chunk_bytes, (i + 1) * this.chunk_bytes));
    this.slabs.set(slab.buffer, chunks);
    // The lowest chunk is handed out first; the slab's other chunks wait in the free list.
    for (let i = chunks.length - 1; i >= 0; i -= 1) {
      const chunk = chunks[i] as Buffer;
      this.inFreeList.add(chunk);
      this.free.push(chunk);
    }
    this.lowWater = Math.min(this.lowWater, this.free.length - 1);
  }
}
