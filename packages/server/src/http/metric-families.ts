import type { Metric, Registry } from 'prom-client';

/** A family's label values by label name, as prom-client takes them. */
export type Labels = Readonly<Record<string, string>>;

/** One line of the text format, as prom-client's registry reads it from `get()`. */
interface Sample {
  labels: Readonly<Record<string, string | number>>;
  value: number;
  /** `<name>_bucket`, `_sum`, `_count`; the family's name when absent. */
  metricName?: string;
}

interface FamilySpec<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  registry: Registry;
}

/**
 * A Prometheus metric family whose series are plain numbers, read by prom-client's registry only
 * when `/metrics` is scraped. prom-client's own labelled children validate and hash their labels
 * on every call, which the bench measured at several percent of a read's server time; the
 * families here are observed on every request and store call, so an observation is an array
 * increment on a series looked up once. The text format stays prom-client's.
 */
abstract class Family<S> {
  readonly name: string;
  readonly help: string;
  abstract readonly type: 'counter' | 'histogram';
  readonly #series = new Map<string, { labels: Labels; values: S }>();

  constructor(spec: FamilySpec<string>) {
    this.name = spec.name;
    this.help = spec.help;
    // prom-client's registry reads any object with these members (name, help, type, get, reset).
    spec.registry.registerMetric(this as unknown as Metric);
  }

  protected abstract fresh(): S;
  protected abstract rows(labels: Labels, values: S): Sample[];

  /** The series of `labels`, made at first use; keep it, so that observing looks nothing up. */
  protected values(labels: Labels): S {
    const key = JSON.stringify(labels);
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { labels, values: this.fresh() };
      this.#series.set(key, series);
    }
    return series.values;
  }

  /** What prom-client's registry formats: every series' samples. */
  async get(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: 'sum' }> {
    const values = [...this.#series.values()].flatMap((series) => this.rows(series.labels, series.values));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }

  reset(): void {
    this.#series.clear();
  }
}

/** A counter family: `child(labels)(by = 1)`. */
export class CounterFamily<L extends string> extends Family<{ count: number }> {
  readonly type = 'counter';

  constructor(spec: FamilySpec<L>) {
    super(spec);
  }

  child(labels: Readonly<Record<L, string>>): (by?: number) => void {
    const values = this.values(labels);
    return (by = 1) => {
      values.count += by;
    };
  }

  protected fresh() {
    return { count: 0 };
  }

  protected rows(labels: Labels, values: { count: number }): Sample[] {
    return [{ labels, value: values.count }];
  }
}

interface HistogramValues {
  /** Observations per bucket (not cumulative); the last one is above every bound (`+Inf`). */
  buckets: Float64Array;
  sum: number;
  count: number;
}

/** A histogram family with fixed upper bounds (seconds, writes…): `child(labels)(value)`. */
export class HistogramFamily<L extends string> extends Family<HistogramValues> {
  readonly type = 'histogram';
  readonly #bounds: readonly number[];

  constructor(spec: FamilySpec<L> & { buckets: readonly number[] }) {
    super(spec);
    this.#bounds = spec.buckets;
  }

  child(labels: Readonly<Record<L, string>>): (value: number) => void {
    const values = this.values(labels);
    const bounds = this.#bounds;
    return (value) => {
      let bucket = 0;
      while (bucket < bounds.length && value > bounds[bucket]!) bucket += 1;
      values.buckets[bucket]! += 1;
      values.sum += value;
      values.count += 1;
    };
  }

  protected fresh(): HistogramValues {
    return { buckets: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 };
  }

  protected rows(labels: Labels, values: HistogramValues): Sample[] {
    let cumulative = 0;
    const bucketRows = [...this.#bounds, Number.POSITIVE_INFINITY].map((bound, index) => {
      cumulative += values.buckets[index]!;
      return { labels: { ...labels, le: bound === Number.POSITIVE_INFINITY ? '+Inf' : bound }, value: cumulative, metricName: `${this.name}_bucket` };
    });
    return [...bucketRows, { labels, value: values.sum, metricName: `${this.name}_sum` }, { labels, value: values.count, metricName: `${this.name}_count` }];
  }
}
