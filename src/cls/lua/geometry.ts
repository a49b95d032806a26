// ImageMagick geometry strings as the `magick` module takes them ("500x300", "256x", "x128",
// "50%", "100x100!", "800x600>", "800x600<", "200x200^"): parse once, then compute the target
// size for a given source size. Pure; the sizes are what ImageMagick's -thumbnail would produce
// (each dimension rounded to nearest, never below 1 pixel).

import { ERRNO, RadosError } from '../../core/errors.js';

/** JPEG's own limit is 65,500 pixels per side; nothing larger can be encoded anyway. */
export const GEOMETRY_MAX_SIDE = 65_500;
const GEOMETRY_MAX_PERCENT = 10_000;
const GEOMETRY_MAX_TEXT = 64;

export type GeometryFlag = 'fit' | 'exact' | 'shrink' | 'enlarge' | 'fill';

export type Geometry =
  /** Scale each side by a percentage (ImageMagick "50%" or "50%x25%"). */
  | { readonly kind: 'percent'; readonly x_pct: number; readonly y_pct: number }
  /** A bounding box; an absent side follows the aspect ratio. */
  | { readonly kind: 'box'; readonly width?: number; readonly height?: number; readonly flag: GeometryFlag };

export interface Size {
  readonly width: number;
  readonly height: number;
}

function bad(spec: string, why: string): RadosError {
  return new RadosError(ERRNO.EINVAL, `magick: bad geometry '${spec}' (${why})`);
}

const FLAGS: Readonly<Record<string, GeometryFlag>> = { '': 'fit', '!': 'exact', '>': 'shrink', '<': 'enlarge', '^': 'fill' };

/** Throws RadosError(EINVAL) for anything outside the supported subset (offsets, '@' areas). */
export function parseGeometry(spec: string): Geometry {
  if (spec.length === 0 || spec.length > GEOMETRY_MAX_TEXT) throw bad(spec, 'empty or too long');
  const text = spec.trim();
  const pct = /^(\d+(?:\.\d+)?)%(?:x(\d+(?:\.\d+)?)%?)?$/.exec(text) ?? /^(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)%$/.exec(text);
  if (pct !== null) {
    const x_pct = Number(pct[1]);
    const y_pct = pct[2] === undefined ? x_pct : Number(pct[2]);
    if (!(x_pct > 0 && y_pct > 0) || x_pct > GEOMETRY_MAX_PERCENT || y_pct > GEOMETRY_MAX_PERCENT) {
      throw bad(spec, `percentages must be in (0, ${GEOMETRY_MAX_PERCENT}]`);
    }
    return { kind: 'percent', x_pct, y_pct };
  }
  const box = /^(\d*)(?:x(\d*))?([!><^]?)$/.exec(text);
  if (box === null) throw bad(spec, 'expected WxH, Wx, xH, N% with an optional ! > < ^ flag');
  const side = (s: string | undefined): number | undefined => {
    if (s === undefined || s === '') return undefined;
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < 1 || n > GEOMETRY_MAX_SIDE) throw bad(spec, `sides must be 1..${GEOMETRY_MAX_SIDE}`);
    return n;
  };
  const width = side(box[1]);
  const height = side(box[2]);
  const flag = FLAGS[box[3] ?? ''] ?? 'fit';
  if (width === undefined && height === undefined) throw bad(spec, 'no width or height');
  if ((flag === 'exact' || flag === 'fill') && (width === undefined || height === undefined)) {
    throw bad(spec, `'${box[3] ?? ''}' needs both a width and a height`);
  }
  return {
    kind: 'box',
    flag,
    ...(width === undefined ? {} : { width }),
    ...(height === undefined ? {} : { height }),
  };
}

function side(n: number): number {
  return Math.max(1, Math.floor(n + 0.5));
}

/** The size an image of `src` becomes under `g`. */
export function targetSize(g: Geometry, src: Size): Size {
  if (!(src.width >= 1 && src.height >= 1)) throw new RadosError(ERRNO.EINVAL, 'magick: source image has no pixels');
  if (g.kind === 'percent') return { width: side((src.width * g.x_pct) / 100), height: side((src.height * g.y_pct) / 100) };
  const sx = g.width === undefined ? undefined : g.width / src.width;
  const sy = g.height === undefined ? undefined : g.height / src.height;
  if (g.flag === 'exact') return { width: g.width ?? src.width, height: g.height ?? src.height };
  let scale: number;
  if (sx === undefined) scale = sy ?? 1;
  else if (sy === undefined) scale = sx;
  else scale = g.flag === 'fill' ? Math.max(sx, sy) : Math.min(sx, sy);
  // '>' only ever shrinks and '<' only ever enlarges: otherwise the image keeps its size.
  if (g.flag === 'shrink' && scale >= 1) return { width: src.width, height: src.height };
  if (g.flag === 'enlarge' && scale <= 1) return { width: src.width, height: src.height };
  // A side the geometry names exactly is kept exact, as ImageMagick does.
  const width = sx !== undefined && scale === sx ? (g.width ?? side(src.width * scale)) : side(src.width * scale);
  const height = sy !== undefined && scale === sy ? (g.height ?? side(src.height * scale)) : side(src.height * scale);
  return { width, height };
}
