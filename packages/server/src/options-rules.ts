// The machinery of option validation, shared by the server's options (options.ts) and the
// webhook's (webhook-options.ts): integer rules as `{ default, min, max }` rows, and the error
// that names the bad field.

export interface IntRule {
  default: number;
  min: number;
  max: number;
}

export const DAY_MS = 86_400_000;

export type IntDefaults<T extends Record<string, IntRule>> = { readonly [K in keyof T]: number };

export function defaultsOf<T extends Record<string, IntRule>>(table: T): IntDefaults<T> {
  return Object.fromEntries(Object.entries(table).map(([k, rule]) => [k, rule.default])) as IntDefaults<T>;
}

export class OptionsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`RoomServerOptions.${field} ${message}`);
    this.name = 'OptionsError';
  }
}

export type Fields = Record<string, unknown>;

export function isRecord(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The object's own enumerable fields, on no prototype: what checkOptionNames looked at is all
 * that is read, so a polluted Object.prototype (`devMode`, `apps`…) cannot change an option.
 */
export function ownFields(v: Fields): Fields {
  return Object.assign(Object.create(null) as Fields, v);
}

/** The field of `o`, undefined when absent; throws naming it when out of range. */
export function intOf(
  o: Fields,
  field: string,
  { min, max }: Omit<IntRule, 'default'>,
  prefix = '',
): number | undefined {
  const v = o[field];
  if (v !== undefined && (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > max)) {
    throw new OptionsError(`${prefix}${field}`, `must be an integer from ${min} to ${max}`);
  }
  return v as number | undefined;
}

/** Each field of `table`, from `o` or its default; throws naming the first out of range. */
export function intsOf<T extends Record<string, IntRule>>(o: Fields, table: T, prefix = ''): IntDefaults<T> {
  const out: Record<string, number> = {};
  for (const [field, rule] of Object.entries(table))
    out[field] = intOf(o, field, rule, prefix) ?? rule.default;
  return out as IntDefaults<T>;
}
