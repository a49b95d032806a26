-- Thumbnail service as a cls_lua script, after the image server of Ceph's "dynamic object
-- interfaces with Lua" article. One object holds the original image followed by its
-- thumbnails; its omap indexes each of them as "<length>@<offset>" under "original" or the
-- ImageMagick geometry the thumbnail was made with ("256x", "500x300", "50%").
local magick = require "magick"

local function location(key)
  local loc = objclass.map_get_val(key)
  local length, offset = string.match(loc:str(), "^(%d+)@(%d+)$")
  return tonumber(length), tonumber(offset)
end

local function index(key, length, offset)
  local bl = bufferlist.new()
  bl:append(length .. "@" .. offset)
  objclass.map_set_val(key, bl)
end

-- The image and its index in one round trip; thumbnails of an earlier image are dropped.
function put_smart(input, output)
  objclass.write_full(input)
  objclass.map_clear()
  index("original", #input, 0)
end

-- Makes a thumbnail of the original inside the OSD, appends it to the object and indexes it.
-- A spec that already has a thumbnail is left as it is.
function thumb(input, output)
  local spec = input:str()
  if pcall(objclass.map_get_val, spec) then return 0 end
  local length, offset = location("original")
  local img = assert(magick.load_image_from_blob(objclass.read(offset, length):str()))
  local bl = bufferlist.new()
  bl:append(magick.thumb(img, spec))
  local size = objclass.stat()
  objclass.write(size, #bl, bl)
  index(spec, #bl, size)
  objclass.log("thumb", spec, #bl, "bytes at", size)
end

-- Returns the original ("original") or the thumbnail made with the given spec.
function get(input, output)
  local length, offset = location(input:str())
  output:append(objclass.read(offset, length):str())
end

-- One line per stored version, sorted: "<spec> <length>@<offset>".
function ls(input, output)
  local vals = objclass.map_get_vals("", "", 1024)
  local keys = {}
  for k in pairs(vals) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do output:append(k .. " " .. vals[k]:str() .. "\n") end
end

objclass.register(put_smart)
objclass.register(thumb)
objclass.register(get)
objclass.register(ls)
