/**
 * One colour per class: hues a golden angle apart, so neighbouring labels
 * differ strongly and any number of classes gets distinct colours, the same
 * in every picture (predictions, ground truth, confusion matrix, browser page).
 */
export type Rgb = readonly [number, number, number];

const GOLDEN_ANGLE = 137.508;

/** HSV (hue in degrees, s and v in [0, 1]) to 0-255 RGB. */
function hsv(hue: number, s: number, v: number): Rgb {
  const f = (n: number): number => {
    const k = (n + hue / 60) % 6;
    return Math.round(255 * (v - v * s * Math.max(0, Math.min(k, 4 - k, 1))));
  };
  return [f(5), f(3), f(1)];
}

export function classColour(label: number): Rgb {
  return hsv((label * GOLDEN_ANGLE) % 360, 0.85, 0.95);
}

export function cssColour(c: Rgb): string {
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** Black or white, whichever reads better on `c` (Rec. 601 luma). */
export function textColourOn(c: Rgb): Rgb {
  return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2] > 140 ? [0, 0, 0] : [255, 255, 255];
}
