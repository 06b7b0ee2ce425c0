/**
 * Per-call CPU and wall time of several functions measured in alternation, the minimum over rounds
 * (the first round is a warm-up and not counted): the method of the profile benches
 * (`bench:training-profile`, `bench:linear-profile`), where a loaded machine makes minima the
 * stable figure.
 * @param rounds - rounds of alternation (≥ 2 for one counted round)
 * @param fns - the functions by name
 * @param reps - calls per function and round
 * @returns per name, the smallest CPU ms (user + system of this process) and wall ms per call
 */
export const roundMinima = (rounds: number, fns: Record<string, () => void>, reps = 1): Record<string, { cpu: number; wall: number }> => {
  const best: Record<string, { cpu: number; wall: number }> = {};
  for (let round = 0; round < rounds; round++)
    for (const [name, fn] of Object.entries(fns)) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let q = 0; q < reps; q++) fn();
      const wall = (performance.now() - t0) / reps;
      const c = process.cpuUsage(c0);
      if (round === 0) continue;
      const b = best[name] ?? { cpu: Infinity, wall: Infinity };
      best[name] = { cpu: Math.min(b.cpu, (c.user + c.system) / 1e3 / reps), wall: Math.min(b.wall, wall) };
    }
  return best;
};
