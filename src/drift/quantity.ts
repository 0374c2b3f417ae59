/** Kubernetes resource quantities: "1000m" = "1" = 1, "1Gi" = "1024Mi", "0.5" = "500m". */

const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+))?(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/** The numeric value of a quantity, or null when it is not one. */
export function parseQuantity(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return null;
  const m = QUANTITY.exec(value.trim());
  if (!m) return null;
  const base = Number(m[1]) * (m[2] ? 10 ** Number(m[2]) : 1);
  return base * SUFFIX[m[3] ?? '']!;
}

/** Equal as quantities, allowing for float rounding of the binary/decimal suffixes. */
export function quantitiesEqual(a: unknown, b: unknown): boolean {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  if (x === null || y === null) return false;
  return x === y || Math.abs(x - y) <= Math.abs(x) * 1e-12;
}
