/**
 * The parsed form of an App Context filter (wire-protocol.md §8). Binary nodes are built
 * left-associative, so `a && b && c` is `and(and(a, b), c)`.
 */
export type FilterNode = Junction | Negation | Condition;

export interface Junction {
  type: 'and' | 'or';
  left: FilterNode;
  right: FilterNode;
}

export interface Negation {
  type: 'not';
  expr: FilterNode;
}

export type Operator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'like';

export type FilterValue = string | number | boolean | null;

export interface Condition {
  type: 'condition';
  /** Field path segments: `custom["a b"]` is `['custom', 'a b']`. */
  path: string[];
  operator: Operator;
  /** For strings, the decoded text; `\*` and a wildcard `*` both read `*` here (see `pattern`). */
  value: FilterValue;
  /** 0-based offset of the field in the filter text. */
  position: number;
  /** 0-based offset of the value in the filter text; `position` stands in when absent. */
  valuePosition?: number;
  /**
   * LIKE only: the pattern's literal runs between its wildcards, so `"*\**"` is `['', '*', '']`.
   * Without it every `*` of `value` counts as a wildcard.
   */
  pattern?: string[];
}
