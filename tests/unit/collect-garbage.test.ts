import { expect, test } from '@jest/globals';
import { collectGarbage, ownProcessMemory } from '../../src/check/collect-garbage.js';

test('in a process the CLI owns, collectGarbage runs a full collection without --expose-gc: an object nothing refers to is gone', async () => {
  ownProcessMemory();
  let held: object | null = { big: new Array(1000).fill('x') };
  const ref = new WeakRef(held);
  held = null;
  // A WeakRef keeps its target alive until the current job ends.
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  expect(ref.deref()).toBeUndefined();
  // Twice is fine (the function is found once).
  expect(() => collectGarbage()).not.toThrow();
});
