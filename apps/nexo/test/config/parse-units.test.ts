import { describe, expect, test } from 'vitest';
import { parseDuration, parseSize } from '../../src/config/parse-units.js';

describe('parseDuration', () => {
  test.each([
    ['30s', 30_000],
    ['500ms', 500],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['2d', 172_800_000],
    ['0s', 0],
    [' 10s ', 10_000],
    ['30', undefined],
    ['', undefined],
    ['1x', undefined],
    ['s', undefined],
    ['1h 30m', undefined],
    ['-5s', undefined],
  ])('%j -> %j', (text, expected) => {
    expect(parseDuration(text)).toBe(expected);
  });
});

describe('parseSize', () => {
  test.each([
    ['10MB', 10_485_760],
    ['10 MB', 10_485_760],
    ['512KB', 524_288],
    ['1GiB', 1_073_741_824],
    ['1.5k', 1_536],
    ['2048', 2_048],
    [2048, 2_048],
    ['100b', 100],
    ['10 parsecs', undefined],
    ['MB', undefined],
    [-1, undefined],
    [1.5, undefined],
  ])('%j -> %j', (text, expected) => {
    expect(parseSize(text)).toBe(expected);
  });
});
