// The thumbnail service's client side: put an image with its index in one round trip, make
// thumbnails inside the OSD, fetch any stored version, list them. The code lives beside the
// `sepia thumbs` command (src/ never imports examples/); the Lua it sends is thumbnails.lua.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export {
  THUMBNAILS_LUA, ORIGINAL, putImage, makeThumb, getThumb, listThumbs, listVersions, type StoredVersion,
} from '../../src/cli/thumbs-cmd.js';

const MAX_PARENT_DIRS = 6;

/** thumbnails.lua as shipped in the source tree (found from here, or from dist/ beside it). */
export function readScriptFile(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < MAX_PARENT_DIRS; i++) {
    for (const candidate of [join(dir, 'thumbnails.lua'), join(dir, 'examples', 'thumbnails', 'thumbnails.lua')]) {
      if (existsSync(candidate)) return readFileSync(candidate, 'utf8');
    }
    dir = dirname(dir);
  }
  throw new Error('examples/thumbnails/thumbnails.lua not found');
}
