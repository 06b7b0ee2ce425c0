/** The tutorial's exercises: each model answer passes its check, and the starter code (unanswered) does not. */
import { describe, expect, it } from 'vitest';
import { exercises, runExercise } from '../../examples/tutorial/exercises.js';

describe('tutorial exercises', () => {
  it("has the notebook's five exercises", () => {
    expect(exercises.map((e) => e.id)).toEqual(['tensor', 'shape', 'sequential', 'data', 'output']);
  });
  for (const e of exercises) {
    it(`${e.title}: the answer is right, the starter is not`, () => {
      const answer = runExercise(e, e.answer);
      expect(answer.ok, answer.message).toBe(true);
      expect(runExercise(e, e.starter).ok).toBe(false);
    });
  }
  it('says what is off in a wrong answer', () => {
    const [tensor, , sequential, data, output] = exercises;
    expect(runExercise(tensor!, 'return sf.tensor([[1, 2], [3, 4]]);').message).toContain('shape [2, 2]');
    expect(
      runExercise(sequential!, 'return sf.sequential(sf.linearLayer(sf.linearInit(2, 2, { seed: 1 })), sf.reluLayer);').message,
    ).toContain('Linear(2, 3) gives 3');
    expect(runExercise(data!, 'return sf.full([1, 100], 0.3);').message).toContain('time comes first');
    expect(runExercise(output!, 'return [1, 2];').message).toMatch(/the neuron spikes at \d+ steps/);
    expect(runExercise(output!, 'return nope;').message).toBe('ReferenceError: nope is not defined');
  });
});
