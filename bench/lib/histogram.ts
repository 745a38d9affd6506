import * as hdr from 'hdr-histogram-js';

/** Latency percentiles in milliseconds, as every bench result reports them. */
export interface LatencySummary {
  count: number;
  mean_ms: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
}

/**
 * An HDR histogram of latencies recorded in microseconds (1 µs .. 10 min, 3 significant digits),
 * summarised in milliseconds.
 */
export function makeLatencyHistogram() {
  const h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    /** Records one latency given in milliseconds (fractions kept to the microsecond). */
    recordMs(value: number) {
      h.recordValue(Math.max(1, Math.round(value * 1000)));
    },
    get count() {
      return h.totalCount;
    },
    summary(): LatencySummary {
      return {
        count: h.totalCount,
        mean_ms: ms(h.mean),
        p50_ms: ms(h.getValueAtPercentile(50)),
        p90_ms: ms(h.getValueAtPercentile(90)),
        p99_ms: ms(h.getValueAtPercentile(99)),
        p999_ms: ms(h.getValueAtPercentile(99.9)),
        max_ms: ms(h.maxValue),
      };
    },
    destroy: () => h.destroy(),
  };
}
