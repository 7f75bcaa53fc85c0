/** The error `fn` throws, or undefined when it returns: for asserting on an error's fields. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}
