/**
 * The exported page: loads the bundled detector, runs it on the shipped
 * sample image and on any image the user opens, and draws the boxes. It
 * exposes the last result as `window.detlab` ({ backend, prediction, ms }),
 * which the export test reads. `?backend=wasm` (or webgl, cpu) forces a backend.
 */
import { escapeXml } from '../vis/svg_text.js';

export function pageHtml(title: string, scoreThr: number): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>${escapeXml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 24px; color: #202020; }
  canvas { image-rendering: pixelated; border: 1px solid #ccc; display: block; margin: 12px 0; }
  table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
  td, th { padding: 2px 10px; text-align: left; }
  .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; }
  #status { color: #555; }
</style>
</head>
<body>
<h1>${escapeXml(title)}</h1>
<p>A detlab detector running in this page with TensorFlow.js (<b id="backend">starting</b>).
Open an image: <input type="file" id="file" accept="image/*">
score &ge; <input type="number" id="thr" min="0" max="1" step="0.05" value="${scoreThr}" style="width: 4em"></p>
<canvas id="canvas" width="512" height="512"></canvas>
<p id="status">loading the model...</p>
<table id="detections"></table>
<script type="module">
import { createDetector, selectBackend, rgbaPixels, cssColour, classColour, modules } from './detector.js';

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => '&#' + c.charCodeAt(0) + ';');
const requested = new URLSearchParams(location.search).get('backend');
const backend = await selectBackend(requested ? [requested] : ['webgl', 'wasm'], new URL('./', location.href).href);
$('backend').textContent = backend;
const spec = await (await fetch('model.json')).json();
const weights = new Uint8Array(await (await fetch('weights.safetensors')).arrayBuffer());
const detector = createDetector(modules, spec, weights);
let last;

async function detect(blob, source) {
  // No colour management: the model sees the file's own pixel values, as sharp decodes them in Node.
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const { width, height } = bitmap;
  const pixels = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  pixels.drawImage(bitmap, 0, 0);
  const rgba = pixels.getImageData(0, 0, width, height).data;
  const started = performance.now();
  const [prediction] = detector.predictPixels([rgbaPixels(rgba, width, height, source)]);
  const ms = performance.now() - started;
  last = { bitmap, prediction, source, ms };
  window.detlab = { backend, prediction, ms };
  draw();
}

function draw() {
  const { bitmap, prediction, source, ms } = last;
  const thr = Number($('thr').value);
  const shown = prediction.detections.filter((d) => d.score >= thr);
  $('status').textContent = source + ': ' + shown.length + ' detections with score >= ' + thr + ' (' + prediction.detections.length + ' in all) in ' + ms.toFixed(0) + ' ms on ' + backend;
  const scale = Math.max(1, Math.ceil(512 / Math.min(bitmap.width, bitmap.height)));
  const canvas = $('canvas');
  canvas.width = bitmap.width * scale;
  canvas.height = bitmap.height * scale;
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  ctx.font = '14px system-ui, sans-serif';
  const rows = ['<tr><th>class</th><th>score</th><th>box (x1, y1, x2, y2)</th></tr>'];
  for (const d of shown) {
    const colour = cssColour(classColour(d.label));
    const [x1, y1, x2, y2] = d.bbox.map((v) => v * scale);
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
    const caption = d.className + ' ' + d.score.toFixed(2);
    const w = ctx.measureText(caption).width + 6;
    const top = y1 >= 18 ? y1 - 18 : y1;
    ctx.fillStyle = colour;
    ctx.fillRect(x1, top, w, 18);
    ctx.fillStyle = '#000';
    ctx.fillText(caption, x1 + 3, top + 14);
    rows.push('<tr><td><span class="swatch" style="background:' + colour + '"></span>' + d.className + '</td><td>' + d.score.toFixed(3) + '</td><td>' + d.bbox.map((v) => v.toFixed(1)).join(', ') + '</td></tr>');
  }
  $('detections').innerHTML = rows.join('');
}

$('thr').addEventListener('input', () => last && draw());
$('file').addEventListener('change', (e) => {
  const file = e.target.files[0];
  if (file) detect(file, file.name).catch((err) => ($('status').textContent = file.name + ': ' + err.message));
});
await detect(await (await fetch('sample.png')).blob(), 'sample.png');
</script>
</body>
</html>
`;
}
