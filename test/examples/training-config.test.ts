/** The training page's URL configuration (examples/training/config.ts). */
import { describe, expect, it } from 'vitest';
import { PAGE_DEFAULTS, pageConfig } from '../../examples/training/config.js';

describe('training page configuration from the URL', () => {
  it('no parameters: the defaults, no digit set, no autostart', () => {
    expect(pageConfig('')).toEqual(PAGE_DEFAULTS);
    expect(pageConfig('').digits).toBeUndefined();
  });

  it('reads every parameter', () => {
    const c = pageConfig('?hidden=64&steps=10&epochs=2&train=400&test=100&batch=20&lr=0.005&seed=0&shift=1&digits=../d.json&start=1');
    expect(c).toEqual({
      hidden: 64,
      steps: 10,
      epochs: 2,
      trainSize: 400,
      testSize: 100,
      batchSize: 20,
      lr: 0.005,
      seed: 0,
      shift: 1,
      digits: '../d.json',
      start: true,
    });
  });

  it('names a malformed or unknown parameter with what it expected and received', () => {
    expect(() => pageConfig('?hidden=abc')).toThrow('URL parameter hidden must be an integer ≥ 1, received "abc"');
    expect(() => pageConfig('?epochs=0')).toThrow('URL parameter epochs must be an integer ≥ 1, received "0"');
    expect(() => pageConfig('?steps=')).toThrow('URL parameter steps must be an integer ≥ 1, received ""');
    expect(() => pageConfig('?shift=-1')).toThrow('URL parameter shift must be an integer ≥ 0, received "-1"');
    expect(() => pageConfig('?lr=2')).toThrow('URL parameter lr must be a number in (0, 1], received "2"');
    expect(() => pageConfig('?start=yes')).toThrow('URL parameter start must be 1 or 0, received "yes"');
    expect(() => pageConfig('?digits=')).toThrow('URL parameter digits must be the URL of a digit set');
    expect(() => pageConfig('?hiden=3')).toThrow('unknown URL parameter "hiden"');
  });
});
