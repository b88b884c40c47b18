// One seeded generator for the generated-case tests (xorshift32): rng(seed)(n) is 0..n-1, the
// same sequence for the same seed, so a printed seed replays a failing case.
export function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}
