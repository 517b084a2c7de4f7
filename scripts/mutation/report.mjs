// Reads Stryker's incremental reports (reports/mutation/<module>.json, in the mutation-testing-report
// schema) and renders the scores per module and per file, the surviving mutants and the equivalent ones.
import { existsSync, readFileSync } from 'node:fs';
import { EQUIVALENT } from './equivalent.mjs';

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** The source text a mutant replaces, the trimmed line it starts on, and which occurrence of that line in the file it is (1-based). */
function original(lines, counts, { start, end }) {
  const text = start.line === end.line
    ? lines[start.line - 1].slice(start.column - 1, end.column - 1)
    : [lines[start.line - 1].slice(start.column - 1), ...lines.slice(start.line, end.line - 1), lines[end.line - 1].slice(0, end.column - 1)].join('\n');
  const line = lines[start.line - 1].trim();
  return { text, line, occurrence: lines.slice(0, start.line).filter((l) => l.trim() === line).length, repeated: counts.get(line) > 1 };
}

/**
 * The reason an entry of EQUIVALENT gives for this mutant. A line that the file holds more than once
 * matches only when the entry names its occurrences, so that an entry never covers a twin line unread.
 */
function equivalentReason(file, mutant, { line, text, occurrence, repeated }) {
  return EQUIVALENT.find(
    (e) => e.file === file && e.mutator === mutant.mutatorName && e.line === line && e.replacement === mutant.replacement && (e.original === undefined || e.original === text)
      && (repeated ? e.occurrences?.includes(occurrence) === true : true),
  )?.reason;
}

/** Counts and survivors of one module's report, per file. */
export function summarizeModule(reportFile) {
  if (!existsSync(reportFile)) return undefined;
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  const files = [];
  for (const [file, { source, mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    const row = { file, killed: 0, survived: 0, equivalent: 0, ignored: 0, errors: 0, survivors: [], equivalents: [] };
    const byPlace = (a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column;
    const lines = source.split('\n');
    const counts = new Map();
    for (const l of lines) counts.set(l.trim(), (counts.get(l.trim()) ?? 0) + 1);
    for (const m of [...mutants].sort(byPlace)) {
      const place = original(lines, counts, m.location);
      const { text } = place;
      const described = { at: `${file}:${m.location.start.line}:${m.location.start.column}`, mutator: m.mutatorName, text, replacement: m.replacement, status: m.status };
      if (DETECTED.has(m.status)) row.killed++;
      else if (UNDETECTED.has(m.status)) {
        const reason = equivalentReason(file, m, place);
        if (reason === undefined) {
          row.survived++;
          row.survivors.push(described);
        } else {
          row.equivalent++;
          row.equivalents.push({ ...described, reason });
        }
      } else if (m.status === 'Ignored') row.ignored++;
      else row.errors++;
    }
    files.push(row);
  }
  const counts = ['killed', 'survived', 'equivalent', 'ignored', 'errors'];
  const total = Object.fromEntries(counts.map((k) => [k, files.reduce((n, f) => n + f[k], 0)]));
  return { files, total };
}

export function score({ killed, survived }) {
  return killed + survived === 0 ? 100 : (100 * killed) / (killed + survived);
}

const pct = (counts) => `${score(counts).toFixed(1)} %`;
const oneLine = (s) => s.replace(/\s+/g, ' ').slice(0, 90);
const code = (s) => '`' + oneLine(s).replaceAll('`', "'") + '`';

export function describeMutant(m) {
  return `${m.at} ${m.mutator}: ${code(m.text)} → ${code(m.replacement)}${m.status === 'NoCoverage' ? ' (no test runs it)' : ''}`;
}

const INTRO = `# Mutation testing of the core modules

StrykerJS plants one small bug (a mutant) at a time in the core modules and runs the test files that cover the
module; a mutant is killed when a test fails (or times out). The score is killed / (killed + survived), equivalent
mutants (no input tells them apart from the original) counted apart; compile and runtime errors are left out,
and so are the \`description:\` texts of option schemas (ignored: documentation, not behaviour).
This file is written by \`npm run mutation\`; the equivalent mutants and their reasons are listed in
\`scripts/mutation/equivalent.mjs\`, the modules and their test files in \`scripts/mutation/modules.mjs\`.

## Rerun

\`\`\`sh
npm run mutation                      # every module, incremental: only mutants whose code or tests changed
npm run mutation -- config sweep      # some modules
npm run mutation -- --force eval      # rerun every mutant of a module
npm run mutation -- --report          # only rewrite this file (after editing equivalent.mjs)
\`\`\`

It builds once per module in a sandbox (.stryker-tmp/), runs one mutant at a time under \`nice -n 15\`, and keeps
each module's results in reports/mutation/<module>.json (committed, so a rerun after a change takes minutes).
Not part of CI. Incremental mode trusts the listed test files: after changing a helper they import, use --force.
`;

/** docs/mutation.md: the last run of every module. */
export function renderMarkdown(modules, runs) {
  const out = [];
  out.push(INTRO);
  out.push('## Scores', '');
  out.push('| module | killed | survived | equivalent | ignored | score | run (UTC) | commit | minutes |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |');
  for (const { name, summary } of modules) {
    const run = runs[name];
    if (summary === undefined) {
      out.push(`| ${name} | | | | | not run | | | |`);
      continue;
    }
    const t = summary.total;
    out.push(`| **${name}** | ${t.killed} | ${t.survived} | ${t.equivalent} | ${t.ignored} | **${pct(t)}** | ${run?.date ?? ''} | ${run?.commit ?? ''} | ${run?.minutes ?? ''} |`);
    for (const f of summary.files) out.push(`| ${f.file} | ${f.killed} | ${f.survived} | ${f.equivalent} | ${f.ignored} | ${pct(f)} | | | |`);
  }
  out.push('');
  const notes = Object.entries(runs).filter(([, run]) => run.note !== undefined);
  if (notes.length > 0) {
    out.push('Notes:', '');
    for (const [name, run] of notes) out.push(`- ${name}: ${run.note}`);
    out.push('');
  }
  out.push('## Surviving mutants', '');
  for (const { name, summary } of modules) {
    const survivors = summary?.files.flatMap((f) => f.survivors) ?? [];
    if (survivors.length === 0) continue;
    out.push(`### ${name}`, '');
    for (const m of survivors) out.push(`- ${describeMutant(m)}`);
    out.push('');
  }
  out.push('## Equivalent mutants', '');
  for (const { summary } of modules) {
    for (const m of summary?.files.flatMap((f) => f.equivalents) ?? []) out.push(`- ${describeMutant(m)}: ${m.reason}`);
  }
  out.push('');
  return out.join('\n');
}
