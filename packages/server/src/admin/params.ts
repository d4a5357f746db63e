// The parameters of one admin request, ZEGO style: the query string, plus for a POST a JSON or
// form body. Lists are `UserId[]=a&UserId[]=b` (a plain repeated `UserId=a&UserId=b` and a
// JSON array work too). A parameter in both the query and the body takes the query's value.

const MAX_BODY_BYTES = 64 * 1024;

export type BodyRead = { ok: true; text: string } | { ok: false; tooLarge: boolean; late?: true };

export class AdminParams {
  private readonly values = new Map<string, string[]>();

  /** Query first, so a body cannot override what the signature covers. */
  static from(query: URLSearchParams, body: Map<string, string[]> | undefined): AdminParams {
    const params = new AdminParams();
    for (const [name, value] of query) params.add(name, value);
    const inQuery = new Set(params.values.keys());
    for (const [name, values] of body ?? []) {
      if (!inQuery.has(baseName(name))) for (const v of values) params.add(name, v);
    }
    return params;
  }

  /** The first value of `name` (or of `name[]`), or undefined. */
  one(name: string): string | undefined {
    return this.values.get(name)?.[0];
  }

  /** Every value of `name[]` and `name`, in order. */
  list(name: string): string[] {
    return this.values.get(name) ?? [];
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  private add(name: string, value: string): void {
    const key = baseName(name);
    const list = this.values.get(key);
    if (list === undefined) this.values.set(key, [value]);
    else list.push(value);
  }
}

/** `UserId[]` and `UserId` are the same parameter. */
function baseName(name: string): string {
  return name.endsWith('[]') ? name.slice(0, -2) : name;
}

/**
 * A POST body as parameters: JSON (an object of strings, numbers, booleans or arrays of them)
 * or `application/x-www-form-urlencoded`. Undefined when the body is not one of those.
 */
export function parseBody(contentType: string | undefined, text: string): Map<string, string[]> | undefined {
  const out = new Map<string, string[]>();
  if (text.trim() === '') return out;
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/x-www-form-urlencoded') {
    for (const [name, value] of new URLSearchParams(text)) {
      const list = out.get(name);
      if (list === undefined) out.set(name, [value]);
      else list.push(value);
    }
    return out;
  }
  if (type !== 'application/json' && type !== '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  for (const [name, value] of Object.entries(parsed)) {
    const items = Array.isArray(value) ? value : [value];
    const strings: string[] = [];
    for (const item of items) {
      if (typeof item === 'string') strings.push(item);
      else if (typeof item === 'number' || typeof item === 'boolean') strings.push(String(item));
      else return undefined;
    }
    out.set(name, strings);
  }
  return out;
}

/** Reads a request body up to 64 KiB, or until `timeoutMs` has passed (`late`: a body trickling in). */
export async function readBody(
  stream: AsyncIterable<Buffer | string>,
  timeoutMs = Number.POSITIVE_INFINITY,
): Promise<BodyRead> {
  const chunks: Buffer[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => {
    if (Number.isFinite(timeoutMs)) timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  const iterator = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      const step = iterator.next();
      // Left pending when the deadline wins: its failure, once the socket is cut, is nobody's.
      step.catch(() => {});
      const next = await Promise.race([step, late]);
      if (next === 'late') return { ok: false, tooLarge: false, late: true };
      if (next.done === true) break;
      const chunk = next.value;
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buf.length;
      if (size > MAX_BODY_BYTES) return { ok: false, tooLarge: true };
      chunks.push(buf);
    }
  } catch {
    return { ok: false, tooLarge: false };
  } finally {
    clearTimeout(timer);
  }
  return { ok: true, text: Buffer.concat(chunks).toString('utf8') };
}
