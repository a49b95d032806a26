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
  // The hot path calls these directly: wasmoon's cwrap'd `lua.*` methods go through ccall, which
  // costs more than the Lua work itself for the small calls a cls method makes. Names are C
  // strings the VM allocates once (see LuaVm.cstr).
  _lua_settop(L: number, idx: number): void;
  _lua_gettop(L: number): number;
  _lua_absindex(L: number, idx: number): number;
  _lua_sethook(L: number, fn: number, mask: number, count: number): void;
  _lua_pushvalue(L: number, idx: number): void;
  _lua_pushnil(L: number): void;
  _lua_pushstring(L: number, cstr: number): number;
  _lua_pushcclosure(L: number, fn: number, n: number): void;
  _lua_rotate(L: number, idx: number, n: number): void;
  _lua_type(L: number, idx: number): number;
  _lua_rawlen(L: number, idx: number): bigint;
  _lua_rawget(L: number, idx: number): number;
  _lua_rawequal(L: number, a: number, b: number): number;
  _lua_rawgeti(L: number, idx: number, n: bigint): number;
  _lua_rawseti(L: number, idx: number, n: bigint): void;
  _lua_getfield(L: number, idx: number, cstr: number): number;
  _lua_setfield(L: number, idx: number, cstr: number): void;
  _lua_getglobal(L: number, cstr: number): number;
  _lua_createtable(L: number, narr: number, nrec: number): void;
  _lua_setmetatable(L: number, idx: number): number;
  _lua_setupvalue(L: number, funcindex: number, n: number): number;
  _lua_getiuservalue(L: number, idx: number, n: number): number;
  _lua_setiuservalue(L: number, idx: number, n: number): number;
  _lua_callk(L: number, nargs: number, nresults: number, ctx: number, k: number): void;
  _lua_pcallk(L: number, nargs: number, nresults: number, msgh: number, ctx: number, k: number): number;
  _lua_concat(L: number, n: number): void;
  _lua_touserdata(L: number, idx: number): number;
  _luaL_setmetatable(L: number, cstr: number): void;
  _luaL_checkudata(L: number, idx: number, cstr: number): number;
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
