/**
 * A small canvas bar display for a demo's input levels (e.g. a filter bank's band energies).
 * Spike rasters, rates, traces and heatmaps come from spikeflow's own sinks (src/viz).
 * @module
 */

/** Bars of values in `[0, max]` on `canvas`, one bar per channel (channel 0 on the left). */
export const levelBars = (canvas: HTMLCanvasElement, max = 1) => {
  const ctx = canvas.getContext('2d')!;
  return {
    /** Draws `levels`, one bar each. */
    draw(levels: ArrayLike<number>): void {
      const { width, height } = canvas;
      ctx.clearRect(0, 0, width, height);
      const n = levels.length;
      const bw = width / Math.max(1, n);
      ctx.fillStyle = '#2f6fde';
      for (let k = 0; k < n; k++) {
        const h = Math.min(1, Math.max(0, (levels[k] as number) / max)) * height;
        ctx.fillRect(k * bw, height - h, Math.max(1, bw - 1), h);
      }
    },
  };
};
