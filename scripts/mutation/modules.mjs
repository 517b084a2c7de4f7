// The core modules under mutation testing: which files Stryker mutates and which compiled test files
// (dist/tests/...) cover them. A module's mutants run only its own test files, and within those only the
// files that executed the mutant (Stryker's per-test coverage, one TAP "test" per file), fastest first.
// tests/track/file_store is left out of track: it spawns processes and takes 16 s or more a run, so with
// mutants that hang until the timeout the module did not finish in half an hour.

const EVAL_TESTS = ['eval/stored_reference', 'eval/matching', 'eval/errors', 'eval/vector', 'eval/options'];
const EVAL_MATCHING = ['src/eval/match_cell.ts', 'src/eval/stable_argsort.ts'];
const EVAL_ACCUMULATE = ['src/eval/accumulate_bucket.ts', 'src/eval/pr_curve.ts', 'src/eval/pairwise_sum.ts', 'src/eval/summarize.ts'];
const EVAL_PREPARE = ['src/eval/prepared.ts', 'src/eval/ground_truth.ts', 'src/eval/params.ts', 'src/eval/validate.ts', 'src/eval/read_json.ts', 'src/eval/results.ts'];

/** @type {{ name: string, mutate: string[], tests: string[] }[]} */
export const MODULES = [
  { name: 'config-merge', mutate: ['src/config/merge.ts', 'src/config/overrides.ts'], tests: ['config/merge', 'config/overrides', 'config/load'] },
  { name: 'sweep-expand', mutate: ['src/sweep/expand.ts'], tests: ['sweep/random', 'sweep/expand'] },
  { name: 'max-iou-assigner', mutate: ['src/detection/assigners/max_iou_assigner.ts', 'src/detection/assigners/assign_result.ts'], tests: ['detection/assigners'] },
  { name: 'track', mutate: ['src/track/sync.ts', 'src/track/metrics_log.ts'], tests: ['track/sync', 'track/metrics_log', 'train/metrics_log'] },
  { name: 'checkpoint', mutate: ['src/train/checkpoint.ts'], tests: ['train/checkpoint', 'train/checkpoint_integrity'] },
  { name: 'losses', mutate: ['src/detection/losses/**/*.ts', 'registry/losses/focal_loss.ts'], tests: ['detection/losses', 'detection/paa_box_loss'] },
  { name: 'eval-matching', mutate: EVAL_MATCHING, tests: ['eval/matching', 'eval/vector'] },
  { name: 'nms', mutate: ['src/detection/nms.ts'], tests: ['detection/nms_postprocess'] },
  { name: 'sweep-stats', mutate: ['src/sweep/stats.ts'], tests: ['sweep/stats'] },
  {
    name: 'assigners',
    mutate: ['src/detection/assigners/**/*.ts', '!src/detection/assigners/max_iou_assigner.ts', '!src/detection/assigners/assign_result.ts'],
    tests: ['detection/assigners', 'detection/atss_oracle', 'detection/gmm'],
  },
  {
    name: 'config',
    mutate: ['src/config/**/*.ts', '!src/config/merge.ts', '!src/config/overrides.ts'],
    tests: ['config/load', 'config/parse_yaml', 'config/references', 'config/dump_diff', 'config/overrides', 'config/merge', 'config/limits', 'config/secrets', 'config/bad_configs_inproc', 'config/tree_origin', 'registry/validate'],
  },
  // Eval apart from the matching, in three modules that each keep their report when they end (the whole took ~2 h).
  { name: 'eval-accumulate', mutate: EVAL_ACCUMULATE, tests: EVAL_TESTS },
  { name: 'eval-prepare', mutate: EVAL_PREPARE, tests: EVAL_TESTS },
  { name: 'eval', mutate: ['src/eval/**/*.ts', ...[...EVAL_MATCHING, ...EVAL_ACCUMULATE, ...EVAL_PREPARE].map((f) => `!${f}`)], tests: EVAL_TESTS },
  // Supervision in three modules: each runs for the better part of an hour, and a run only keeps its report when it ends.
  { name: 'supervision-lgd', mutate: ['src/supervision/lgd/**/*.ts'], tests: ['supervision/lgd_objects', 'supervision/lgd_options', 'supervision/lgd_values', 'supervision/lgd'] },
  { name: 'supervision-labelenc', mutate: ['src/supervision/labelenc/**/*.ts'], tests: ['supervision/labelenc_values', 'supervision/labelenc_fpn', 'supervision/labelenc'] },
  {
    name: 'supervision',
    mutate: ['src/supervision/*.ts'],
    tests: ['supervision/lgd_values', 'supervision/labelenc_values', 'supervision/diagnostics', 'supervision/lgd', 'supervision/labelenc'],
  },
];
