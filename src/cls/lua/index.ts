// Public surface of cls_lua for the OSD: parse the request, run it on the pool against the
// op's scratch object through ClsObjectHost.
export type { ClsObjectHost, ClsStat, HostCall, HostReply } from './host.js';
export { dispatchHostCall } from './host.js';
export {
  LUA_CLASS, LUA_METHODS, type LuaMethod, type LuaRequest,
  parseLuaRequest, parseEvalJson, parseEvalBufferlist, encodeEvalBufferlist,
} from './request.js';
export {
  LuaPool, LUA_POOL_DEFAULTS, LUA_POOL_CONFIG_NAMES, type LuaPoolOptions, type PoolTimers,
} from './pool.js';
export type { LuaBudgets, LuaCallResult, LuaCallError, LuaClassDescription, LuaMethodDecl } from './vm.js';
export { LuaVm } from './vm.js';
export { MemoryObject, MemoryObjectHost } from './memory-host.js';
