import type { ListingSku } from '../platform-adapter.port';

/** Spec dimensions of a listing in a stable order: [name, values[]][] (first-seen order). */
export function specDimensions(skus: ListingSku[]): [string, string[]][] {
  const dims = new Map<string, string[]>();
  for (const s of skus) {
    for (const [k, v] of Object.entries(s.specs)) {
      const values = dims.get(k) ?? [];
      if (!values.includes(v)) values.push(v);
      dims.set(k, values);
    }
  }
  return [...dims.entries()];
}
