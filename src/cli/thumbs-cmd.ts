// `sepia thumbs put|thumb|get|ls`: the thumbnail service of Ceph's Lua article, run inside the
// OSDs. One object holds an image and its thumbnails; a cls_lua script (THUMBNAILS_LUA, the same
// text as examples/thumbnails/thumbnails.lua) writes the image and its omap index in one round
// trip, makes thumbnails next to the data and serves any stored version.

import type { Command } from 'commander';
import { readFile, writeFile } from 'node:fs/promises';
import { RadosError } from '../core/errors.js';
import { Rados } from '../client/rados.js';
import type { IoCtx } from '../client/ioctx.js';
import { lua } from '../client/lua.js';

/** Kept identical to examples/thumbnails/thumbnails.lua (a test compares them). */
export const THUMBNAILS_LUA = String.raw`-- Thumbnail service as a cls_lua script, after the image server of Ceph's "dynamic object
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
`;

export interface StoredVersion {
  /** "original" or the geometry the thumbnail was made with. */
  readonly spec: string;
  readonly length: number;
  readonly offset: number;
}

export const ORIGINAL = 'original';

/** Writes the image and its index in one round trip (handler put_smart). */
export async function putImage(io: IoCtx, name: string, image: Buffer): Promise<void> {
  await lua(io, name, { script: THUMBNAILS_LUA, handler: 'put_smart', input: image });
}

/** Makes a thumbnail inside the OSD (ImageMagick geometry such as "256x" or "500x300"). */
export async function makeThumb(io: IoCtx, name: string, spec: string): Promise<StoredVersion> {
  await lua(io, name, { script: THUMBNAILS_LUA, handler: 'thumb', input: spec });
  const made = (await listVersions(io, name)).find((v) => v.spec === spec);
  if (made === undefined) throw RadosError.from('EIO', `thumb ${spec} of ${name}: not indexed after it was made`);
  return made;
}

/** The original (spec "original") or the thumbnail made with `spec`; ENOENT if there is none. */
export async function getThumb(io: IoCtx, name: string, spec: string): Promise<Buffer> {
  return (await lua(io, name, { script: THUMBNAILS_LUA, handler: 'get', input: spec })).out;
}

/** Every stored version, the original included, sorted by spec. */
export async function listVersions(io: IoCtx, name: string): Promise<StoredVersion[]> {
  const { out } = await lua(io, name, { script: THUMBNAILS_LUA, handler: 'ls' });
  const versions: StoredVersion[] = [];
  for (const line of out.toString('utf8').split('\n')) {
    const m = /^(.+) (\d+)@(\d+)$/.exec(line);
    if (m !== null) versions.push({ spec: m[1] ?? '', length: Number(m[2]), offset: Number(m[3]) });
  }
  return versions;
}

/** The thumbnails only. */
export async function listThumbs(io: IoCtx, name: string): Promise<StoredVersion[]> {
  return (await listVersions(io, name)).filter((v) => v.spec !== ORIGINAL);
}

async function withPool(conf: string, pool: string, fn: (io: IoCtx) => Promise<void>): Promise<void> {
  let rados: Rados | undefined;
  try {
    rados = await Rados.connect({ conf, options: { client_mount_timeout: '10' } });
    await fn(rados.ioctx(pool));
  } catch (err: unknown) {
    if (!RadosError.is(err)) throw err;
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = err.errno;
  } finally {
    await rados?.close();
  }
}

export function registerThumbsCommands(program: Command, conf: () => string): void {
  const thumbs = program.command('thumbs').description('image thumbnails made inside the OSDs (cls_lua + magick)');
  thumbs
    .command('put <pool> <name> <file>')
    .description('store an image and its index in one round trip')
    .action(async (pool: string, name: string, file: string) => {
      const image = await readFile(file);
      await withPool(conf(), pool, async (io) => {
        await putImage(io, name, image);
        process.stdout.write(`${name}: ${image.length} bytes\n`);
      });
    });
  thumbs
    .command('thumb <pool> <name> <spec>')
    .description('make a thumbnail inside the OSD, e.g. 256x, x128, 500x300, 50%')
    .action(async (pool: string, name: string, spec: string) => {
      await withPool(conf(), pool, async (io) => {
        const v = await makeThumb(io, name, spec);
        process.stdout.write(`${name} ${v.spec}: ${v.length} bytes at offset ${v.offset}\n`);
      });
    });
  thumbs
    .command('get <pool> <name> <spec> <outfile>')
    .description('fetch the original (spec "original") or a thumbnail into a file')
    .action(async (pool: string, name: string, spec: string, outfile: string) => {
      await withPool(conf(), pool, async (io) => {
        const data = await getThumb(io, name, spec);
        await writeFile(outfile, data);
        process.stdout.write(`${outfile}: ${data.length} bytes\n`);
      });
    });
  thumbs
    .command('ls <pool> <name>')
    .description('list the stored versions: spec, length, offset')
    .action(async (pool: string, name: string) => {
      await withPool(conf(), pool, async (io) => {
        for (const v of await listVersions(io, name)) process.stdout.write(`${v.spec}\t${v.length}\t${v.offset}\n`);
      });
    });
}
