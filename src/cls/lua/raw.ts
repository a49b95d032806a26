// Typed access to the parts of wasmoon's Emscripten module that the VM drives directly. Bytes
// must go through pointers (lua_pushlstring / lua_tolstring + HEAPU8): wasmoon's high-level
// string conversion goes through UTF-8 C strings and corrupts binary data.

import { LuaFactory, type LuaWasm } from 'wasmoon';

export interface RawModule {
  readonly HEAPU8: Uint8Array;
  readonly HEAPU32: Uint32Array;
  readonly HEAP32: Int32Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _realloc(ptr: number, size: number): number;
  addFunction(fn: (a: number, b: number, c: number, d: number) => number | void, signature: string): number;
  _lua_pushlstring(L: number, ptr: number, len: number): number;
  _lua_tolstring(L: number, idx: number, lenPtr: number): number;
  _luaL_checklstring(L: number, idx: number, lenPtr: number): number;
  _luaL_tolstring(L: number, idx: number, lenPtr: number): number;
  _lua_tointegerx(L: number, idx: number, isnumPtr: number): bigint;
  _lua_pushinteger(L: number, n: bigint): void;
  _luaL_checkinteger(L: number, idx: number): bigint;
  _lua_newuserdatauv(L: number, size: number, nuvalue: number): number;
  _luaL_loadbufferx(L: number, buf: number, size: number, name: number, mode: number): number;
}

export const LUA_OK = 0;
export const LUA_ERRMEM = 4;
export const LUA_MULTRET = -1;
export const LUA_RIDX_GLOBALS = 2n;
export const LUA_MASKCOUNT = 8;

export const LuaT = {
  NONE: -1,
  NIL: 0,
  BOOLEAN: 1,
  NUMBER: 3,
  STRING: 4,
  TABLE: 5,
  FUNCTION: 6,
  USERDATA: 7,
} as const;

export interface LuaRuntime {
  readonly lua: LuaWasm;
  readonly m: RawModule;
}

/** One Emscripten instance (its own linear memory); a worker holds exactly one. */
export async function loadLuaRuntime(): Promise<LuaRuntime> {
  const lua = await new LuaFactory().getLuaModule();
  return { lua, m: lua.module as unknown as RawModule };
}
