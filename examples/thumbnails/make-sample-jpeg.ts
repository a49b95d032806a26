// A real photo-like JPEG for the thumbnail example, its tests and the benchmark: a colour
// gradient with seeded noise (so it compresses like a photo, not like a flat image), encoded by
// sharp. Run directly to write one: `node dist/examples/thumbnails/make-sample-jpeg.js out.jpg [W H]`.

import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';

export interface SampleOptions {
  readonly width?: number;
  readonly height?: number;
  readonly seed?: number;
  readonly quality?: number;
}

/** 2000x1500 (3 megapixels) unless told otherwise; the same seed gives the same bytes. */
export async function makeSampleJpeg(opts: SampleOptions = {}): Promise<Buffer> {
  const width = opts.width ?? 2000;
  const height = opts.height ?? 1500;
  const channels = 3;
  const pixels = Buffer.alloc(width * height * channels);
  // xorshift32: cheap, seeded, good enough for texture.
  let state = (opts.seed ?? 1) >>> 0 || 1;
  const noise = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return (state & 0x3f) - 32;
  };
  const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      pixels[i] = clamp((x * 255) / width + noise());
      pixels[i + 1] = clamp((y * 255) / height + noise());
      pixels[i + 2] = clamp(128 + 100 * Math.sin((x + y) / 90) + noise());
    }
  }
  return sharp(pixels, { raw: { width, height, channels } }).jpeg({ quality: opts.quality ?? 90 }).toBuffer();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = process.argv[2] ?? 'sample.jpg';
  const width = Number(process.argv[3] ?? 2000);
  const height = Number(process.argv[4] ?? 1500);
  const jpeg = await makeSampleJpeg({ width, height });
  await writeFile(out, jpeg);
  console.log(`wrote ${out}: ${width}x${height}, ${jpeg.length} bytes`);
}
