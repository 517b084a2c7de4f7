/**
 * Progress display. On a terminal: one line redrawn in place with a bar,
 * loss, LR, images/s and ETA. Otherwise (CI, a log file): the same figures as
 * a plain line every `interval` steps and at the last step.
 */
export interface ProgressFigures {
  step: number;
  loss: number;
  lr: number;
  /** Seconds the step took, data included. */
  seconds: number;
  images: number;
}

export class Progress {
  private rate: number | undefined;
  private secPerStep: number | undefined;
  private drawn = false;

  constructor(
    private readonly maxIters: number,
    private readonly out: NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean },
    private readonly interval = 20,
  ) {}

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  update(f: ProgressFigures): void {
    // Exponential averages: the first steps (slot creation, kernel warm-up) fade out.
    this.secPerStep = this.secPerStep === undefined ? f.seconds : 0.9 * this.secPerStep + 0.1 * f.seconds;
    const rate = f.images / Math.max(f.seconds, 1e-9);
    this.rate = this.rate === undefined ? rate : 0.9 * this.rate + 0.1 * rate;
    const eta = formatDuration(this.secPerStep * (this.maxIters - f.step));
    const figures = `loss ${f.loss.toFixed(4)}  lr ${f.lr.toExponential(2)}  ${this.rate.toFixed(1)} img/s  ETA ${eta}`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round((width * f.step) / this.maxIters);
      this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${f.step}/${this.maxIters}  ${figures}\x1b[K`);
      this.drawn = true;
      if (f.step === this.maxIters) this.finish();
    } else if (f.step % this.interval === 0 || f.step === this.maxIters) {
      this.out.write(`iter ${f.step}/${this.maxIters}  ${figures}\n`);
    }
  }

  /** A message line that does not garble the bar. */
  message(line: string): void {
    if (this.tty && this.drawn) this.out.write('\r\x1b[K');
    this.out.write(`${line}\n`);
    this.drawn = false;
  }

  finish(): void {
    if (this.tty && this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/**
 * A bar for a counted pass (evaluation, inference, a browse sheet): on a
 * terminal one line redrawn in place and cleared at the end; elsewhere
 * nothing, the caller printing its summary.
 */
export type ProgressStream = { write(s: string): boolean; isTTY?: boolean };

export class CountProgress {
  private done = 0;
  private readonly started = performance.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: ProgressStream = process.stdout,
  ) {}

  advance(n = 1): void {
    this.done += n;
    if (this.out.isTTY !== true) return;
    const width = 24;
    const filled = Math.round((width * Math.min(this.done, this.total)) / Math.max(this.total, 1));
    const seconds = (performance.now() - this.started) / 1000;
    const eta = this.done > 0 ? formatDuration((seconds * (this.total - this.done)) / this.done) : '?';
    this.out.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total}  ETA ${eta}\x1b[K`);
  }

  finish(): void {
    if (this.out.isTTY === true) this.out.write('\r\x1b[K');
  }
}
