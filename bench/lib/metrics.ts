/** Sums of Prometheus samples by metric name (labels dropped) over several `/metrics` endpoints. */
export async function scrapeSums(urls: string[], names: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  await Promise.all(
    urls.map(async (url) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      for (const line of text.split('\n')) {
        const m = /^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})?\s+(\S+)$/.exec(line);
        if (m && m[1]! in out) out[m[1]!]! += Number(m[2]);
      }
    }),
  );
  return out;
}

/** Differences between two scrapes. */
export const delta = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
