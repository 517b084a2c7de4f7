/** Drawing: a box's frame has exactly its class colour, captions and dashes, whole-factor enlarging, the contact sheet's layout. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { contactSheet } from '../../src/vis/contact_sheet.js';
import { drawBoxes, drawScale, type RgbImage } from '../../src/vis/draw.js';
import { classColour, cssColour } from '../../src/vis/palette.js';

function grey(width: number, height: number): RgbImage {
  return { data: new Uint8Array(width * height * 3).fill(128), width, height };
}

async function pixels(png: Buffer): Promise<{ at(x: number, y: number): number[]; width: number; height: number }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { at: (x, y) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)], width: info.width, height: info.height };
}

test('class colours are distinct for the first 20 labels and stable', () => {
  const colours = Array.from({ length: 20 }, (_, i) => cssColour(classColour(i)));
  assert.equal(new Set(colours).size, 20);
  assert.deepEqual(classColour(0), [242, 36, 36]);
});

test('the pixels on a drawn box edge have the class colour; inside and outside stay untouched', async () => {
  const label = 3;
  const png = await drawBoxes(grey(300, 300), [{ box: [40.2, 60.4, 200.6, 180], colour: classColour(label), caption: 'square 0.87' }], { minSide: 0 });
  const p = await pixels(png);
  assert.equal(p.width, 300);
  const colour = [...classColour(label)];
  // Edges at x = 40 and 201, y = 60 and 180 (rounded), 2 px wide: pixels [x-1, x] on each.
  for (const [x, y] of [[40, 120], [39, 120], [201, 120], [200, 120], [120, 180], [120, 179]]) assert.deepEqual(p.at(x, y), colour, `(${x}, ${y})`);
  assert.deepEqual(p.at(120, 120), [128, 128, 128], 'the inside is not filled');
  assert.deepEqual(p.at(250, 250), [128, 128, 128], 'outside is untouched');
  assert.deepEqual(p.at(130, 43), colour, 'the caption sits above the box on the class colour');
});

test('a dashed box alternates the class colour and the image along its edge', async () => {
  const png = await drawBoxes(grey(300, 300), [{ box: [50, 50, 250, 250], colour: classColour(1), dashed: true }], { minSide: 0 });
  const p = await pixels(png);
  const edge = Array.from({ length: 200 }, (_, i) => p.at(50, 50 + i).join(','));
  const coloured = edge.filter((c) => c === classColour(1).join(',')).length;
  assert.ok(coloured > 80 && coloured < 160, `${coloured} of 200 edge pixels coloured: a dash pattern of 6 on, 4 off`);
});

test('small images are enlarged by a whole factor and their boxes with them', async () => {
  assert.equal(drawScale(128, 96), 3);
  assert.equal(drawScale(300, 256), 1);
  const png = await drawBoxes(grey(128, 128), [{ box: [10, 10, 100, 100], colour: classColour(5) }]);
  const p = await pixels(png);
  assert.equal(p.width, 256);
  assert.deepEqual(p.at(20, 100), [...classColour(5)], 'x = 10 becomes x = 20');
  assert.deepEqual(p.at(22, 100), [128, 128, 128]);
});

test('a contact sheet tiles its pictures in a grid', async () => {
  const tile = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 255, g: 0, b: 0 } } }).png().toBuffer();
  const sheet = await contactSheet([tile, tile, tile, tile, tile].map((png) => ({ png })), { columns: 3, gap: 8 });
  const p = await pixels(sheet);
  assert.equal(p.width, 3 * 40 + 4 * 8);
  assert.equal(p.height, 2 * 30 + 3 * 8);
  assert.deepEqual(p.at(8 + 48 + 20, 8 + 38 + 15), [255, 0, 0], 'the fifth tile is second in the second row');
  assert.deepEqual(p.at(8 + 96 + 20, 8 + 38 + 15), [255, 255, 255], 'no sixth tile');
});
