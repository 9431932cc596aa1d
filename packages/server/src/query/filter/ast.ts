// The filter language's syntax is shared with the SDK: @roster/protocol filter/ast.ts.
export type { Condition, FilterNode, FilterValue, Junction, Negation, Operator } from '@roster/protocol';
