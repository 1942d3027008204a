/**
 * What the normalizer tests share (normalize-*.test.ts): expecting exactly one signal, catching the
 * InvalidEventError a bad event throws, and an editable copy of a published sample event.
 */
import { expect } from 'vitest';
import { normalizeEvent, type NormalizeOptions } from '../../../functions/core/signals/normalize-signals.ts';
import { InvalidEventError, type Signal } from '../../../functions/core/signals/signal.ts';
import { fixture } from '../../support.ts';
import type { Json } from '../helpers.ts';

/** Normalizes and expects exactly one signal. */
export function only(raw: unknown, options?: NormalizeOptions): Signal {
  const { signals } = normalizeEvent(raw, options);
  expect(signals).toHaveLength(1);
  return signals[0]!;
}

/** Runs fn and returns the InvalidEventError it throws (fails the test otherwise). */
export function invalid(fn: () => unknown): InvalidEventError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEventError);
    return error as InvalidEventError;
  }
  throw new Error('expected an InvalidEventError, nothing was thrown');
}

/** A deep copy of a fixture whose detail can be edited freely. */
export function editable(name: string): Json {
  return structuredClone(fixture(name)) as never;
}
