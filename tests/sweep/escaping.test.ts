import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SweepState } from '../../src/sweep/state.js';
import { resultsCsv, resultsMarkdown } from '../../src/sweep/table.js';

const LABEL = '=HYPERLINK("x")|*bold* <b>';

const state: SweepState = {
  format: 'detlab-sweep/1',
  name: 'esc',
  spec: 'spec.yaml',
  metric: 'loss',
  mode: 'min',
  baseline: '',
  logKeys: [],
  trials: [
    { id: 'a1', stage: '', variant: LABEL, params: { 'model.note': 'x|y' }, seed: 0, needs: {}, status: 'finished', attempts: 1, metrics: { loss: 0.5 }, seconds: 1 },
    { id: 'b2', stage: '', variant: 'plain', params: { 'model.note': 'z' }, seed: 0, needs: {}, status: 'finished', attempts: 1, metrics: { loss: 0.25 }, seconds: 1 },
  ],
};

test('variant labels and swept values reach results.md and results.csv as text, not markup or formulas', () => {
  const md = resultsMarkdown(state);
  const row = md.split('\n').find((l) => l.includes('HYPERLINK'))!;
  assert.equal(row.split(/(?<!\\)\|/).length - 2, 4, `one cell per column: ${row}`);
  assert.ok(row.includes('=HYPERLINK("x")\\|\\*bold\\* &lt;b&gt;'), row);
  assert.ok(row.includes('x\\|y'), row);
  const csv = resultsCsv(state).split('\n');
  assert.ok(csv.some((l) => l.startsWith(`a1,,"'=HYPERLINK(""x"")|*bold* <b>",x|y,`)), csv.join('\n'));
});
