// The contract between the OSD's class host and a built-in (TypeScript) object class.
import type { ScratchObject } from '../../osd/ops/engine.js';
import type { Timespec } from '../../osd/ops/types.js';

export interface ClsCaller {
  /** The calling client's global id: the entity is "client.<clientId>". */
  readonly clientId: number;
  /** The client's address as the OSD sees it ("127.0.0.1:0/838491869" or "host:port"). */
  readonly addr: string;
  /** The op's time; lock expirations and the like are measured against it. */
  readonly now: Timespec;
}

export interface MethodResult {
  readonly ret: number;
  readonly out: Buffer;
}

export interface ClassMethod {
  /** Ceph's CLS_METHOD_RD / CLS_METHOD_WR: RD-only methods make the op a read (missing object → ENOENT). */
  readonly flags: { readonly read: boolean; readonly write: boolean };
  run(obj: ScratchObject, input: Buffer, caller: ClsCaller): MethodResult | Promise<MethodResult>;
}

export type ObjectClass = ReadonlyMap<string, ClassMethod>;
