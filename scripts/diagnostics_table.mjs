// The supervision diagnostics of a sweep's trials as one CSV: per trial and
// logged step, the student's and the teacher's bbox AP (at evaluations) and
// the diag/* gradient metrics (at measurements), so a study's text can show
// when, if ever, the teacher passed the student and how hard each loss pulled.
//
//   node scripts/diagnostics_table.mjs SWEEP_DIR > diagnostics.csv
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const sweepDir = process.argv[2];
if (sweepDir === undefined || !existsSync(join(sweepDir, 'sweep.json'))) {
  console.error('usage: node scripts/diagnostics_table.mjs SWEEP_DIR (a directory with sweep.json)');
  process.exit(2);
}
const state = JSON.parse(readFileSync(join(sweepDir, 'sweep.json'), 'utf8'));
const wanted = (k) => k === 'bbox_mAP' || k === 'bbox_AR_100' || k.startsWith('teacher/bbox_mAP') || k === 'teacher/bbox_AR_100' || (k.startsWith('diag/') && k !== 'diag/seconds');

const rows = [];
const keys = new Set();
for (const trial of state.trials) {
  const dir = join(sweepDir, 'trials', trial.id);
  if (!existsSync(dir)) continue;
  const runs = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => readdirSync(join(dir, e.name)).map((r) => join(dir, e.name, r)));
  const file = runs.map((r) => join(r, 'metrics.jsonl')).find(existsSync);
  if (file === undefined) continue;
  const byStep = new Map();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let rec;
    try {
      rec = JSON.parse(line);
    } catch {
      continue; // a torn last line of a running trial
    }
    for (const [k, v] of Object.entries(rec.metrics)) {
      if (!wanted(k)) continue;
      keys.add(k);
      if (!byStep.has(rec.step)) byStep.set(rec.step, {});
      byStep.get(rec.step)[k] = v;
    }
  }
  for (const [step, m] of [...byStep].sort((a, b) => a[0] - b[0])) rows.push({ trial: trial.id, variant: trial.variant ?? '', seed: trial.seed, status: trial.status, step, ...m });
}
const columns = ['trial', 'variant', 'seed', 'status', 'step', ...[...keys].sort()];
console.log(columns.join(','));
for (const r of rows) console.log(columns.map((c) => (r[c] === undefined ? '' : typeof r[c] === 'number' && !Number.isInteger(r[c]) ? r[c].toPrecision(5) : r[c])).join(','));
