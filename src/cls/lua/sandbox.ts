// What a cls_lua script sees (spec/object-classes.md §3.5). One VM serves many calls, so every
// call gets fresh copies of everything a script could mutate: globals, library tables, the
// objclass and magick modules, the bufferlist metatable and the string metatable. Sepia adds
// `magick` and a `require` that resolves only "magick", so the thumbnail scripts of Ceph's Lua
// articles run unchanged. Nothing a call stores survives into the next one.

/** objclass.E* constants: Linux errno numbers, positive, exactly the set Ceph exposes. */
export const OBJCLASS_ERRNO_CONSTANTS: ReadonlyArray<readonly [string, number]> = [
  ['EPERM', 1], ['ENOENT', 2], ['ESRCH', 3], ['EINTR', 4], ['EIO', 5], ['ENXIO', 6], ['E2BIG', 7],
  ['ENOEXEC', 8], ['EBADF', 9], ['ECHILD', 10], ['EAGAIN', 11], ['ENOMEM', 12], ['EACCES', 13],
  ['EFAULT', 14], ['EBUSY', 16], ['EEXIST', 17], ['EXDEV', 18], ['ENODEV', 19], ['ENOTDIR', 20],
  ['EISDIR', 21], ['EINVAL', 22], ['ENFILE', 23], ['EMFILE', 24], ['ENOTTY', 25], ['EFBIG', 27],
  ['ENOSPC', 28], ['ESPIPE', 29], ['EROFS', 30], ['EMLINK', 31], ['EPIPE', 32], ['EDOM', 33],
  ['ERANGE', 34],
];

/** The 23 objclass functions Ceph installs (Sepia adds none, so scripts stay portable). */
export const OBJCLASS_FUNCTIONS = [
  'register', 'log', 'create', 'remove', 'stat', 'read', 'write', 'write_full', 'getxattr',
  'getxattrs', 'setxattr', 'map_clear', 'map_get_keys', 'map_get_vals', 'map_read_header',
  'map_write_header', 'map_get_val', 'map_set_val', 'map_set_vals', 'map_remove_key',
  'current_version', 'current_subop_num', 'current_subop_version',
] as const;
export type ObjclassFunction = (typeof OBJCLASS_FUNCTIONS)[number];

export const BUFFERLIST_METHODS = ['append', 'str', '__len', '__eq', '__lt', '__le', '__concat', '__gc'] as const;
export type BufferlistMethod = (typeof BUFFERLIST_METHODS)[number];

/** The `magick` module's functions (image methods are the same, with `img:thumb` changing the image). */
export const MAGICK_FUNCTIONS = [
  'load_image_from_blob', 'thumb', 'get_width', 'get_height', 'get_format', 'set_format', 'set_quality',
  'get_blob', 'resize', 'clone', 'destroy',
] as const;

/**
 * Trusted bootstrap, run once per VM with the pristine libraries as arguments. It returns
 * `make_env`, called once per call. Base functions Ceph removes (loadfile,
 * dofile, xpcall) are absent, `warn` too (Lua 5.3 has none); `load` only accepts text chunks,
 * because crafted bytecode can corrupt the VM that later calls share.
 */
export const BOOTSTRAP_LUA = `
local G, string_lib, table_lib, math_lib, set_any_metatable = ...
local next, select, load, type, rawget = G.next, G.select, G.load, G.type, G.rawget
local setmetatable, collectgarbage = G.setmetatable, G.collectgarbage
local HIDDEN = { loadfile = true, dofile = true, xpcall = true, warn = true, setmetatable = true, collectgarbage = true }
-- Marks the VM reads after each call: \`marked\` asks for a full collection, \`tuned\` for the
-- collector's mode and parameters to be restored.
local gc_flags = {}
local function guarded_setmetatable(t, mt)
  if type(mt) == 'table' and rawget(mt, '__gc') ~= nil then gc_flags.marked = true end
  return setmetatable(t, mt)
end
local function guarded_collectgarbage(...)
  gc_flags.tuned = true
  return collectgarbage(...)
end
-- A copier is a compiled table constructor: a presized table filled with constant keys, several
-- times faster than a next() loop that rehashes as it grows. Fields are fixed when the copier
-- is made; prototypes never change after the bootstrap.
local MAX_COPIER_FIELDS = 200
local function copier(t)
  local keys, values = {}, {}
  for k, v in next, t do
    if type(k) ~= 'string' or #keys >= MAX_COPIER_FIELDS then keys = nil break end
    keys[#keys + 1] = k
    values[#keys] = v
  end
  if keys == nil then
    return function()
      local c = {}
      for k, v in next, t do c[k] = v end
      return c
    end
  end
  local fields = {}
  for i = 1, #keys do fields[i] = string_lib.format('[%q] = v[%d]', keys[i], i) end
  local src = 'local v = ... return function() return { ' .. table_lib.concat(fields, ', ') .. ' } end'
  return load(src, '=copier', 't', {})(values)
end
local base = {}
for k, v in next, G do
  if not HIDDEN[k] then base[k] = v end
end
base.setmetatable = guarded_setmetatable
base.collectgarbage = guarded_collectgarbage
local function text_load(chunk, name, mode, ...)
  if select('#', ...) > 0 then return load(chunk, name, 't', (...)) end
  return load(chunk, name, 't')
end
base.load = text_load
local copy_base, copy_string, copy_table, copy_math = copier(base), copier(string_lib), copier(table_lib), copier(math_lib)
local copiers = setmetatable({}, { __mode = 'k' })
local function copy(t)
  local c = copiers[t]
  if c == nil then
    c = copier(t)
    copiers[t] = c
  end
  return c()
end
local tostring, error = G.tostring, G.error
local function make_env(objclass_proto, bufferlist_proto, meta_proto, pcall_fn, print_fn, magick_proto)
  local env = copy_base()
  env._G = env
  env.pcall = pcall_fn
  env.print = print_fn
  env.string = copy_string()
  env.table = copy_table()
  env.math = copy_math()
  set_any_metatable('', { __index = env.string })
  local objclass = copy(objclass_proto)
  env.objclass = objclass
  env.cls = objclass
  env.bufferlist = copy(bufferlist_proto)
  local magick = copy(magick_proto)
  env.magick = magick
  env.require = function(name)
    if name == 'magick' then return magick end
    error("module '" .. tostring(name) .. "' not found (only 'magick' can be required)", 2)
  end
  local mt = copy(meta_proto)
  mt.__index = mt
  mt.__name = 'bufferlist'
  gc_flags.bufferlist_gc = meta_proto.__gc
  return env, mt
end
return make_env, gc_flags
`;
