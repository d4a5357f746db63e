// A tiny element builder: the page is small enough that a framework would outweigh it.

type Attrs = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    node.setAttribute(k, v === true ? '' : String(v));
  }
  node.append(...children);
  return node;
}

/** The element with this id; the page's HTML is fixed, so a missing one is a bug worth failing on. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`#${id} is missing or not a ${type.name}`);
  return node;
}

/** A method's outcome as a code: 0 for success, the rejection's `code` or `errorCode`, or -1. */
export async function outcome(call: () => Promise<unknown>): Promise<number> {
  try {
    const result = await call();
    if (result === false) return -1;
    if (typeof result === 'object' && result !== null && 'errorCode' in result) {
      return typeof result.errorCode === 'number' ? result.errorCode : -1;
    }
    return 0;
  } catch (err) {
    if (typeof err !== 'object' || err === null) return -1;
    if ('code' in err && typeof err.code === 'number') return err.code;
    return 'errorCode' in err && typeof err.errorCode === 'number' ? err.errorCode : -1;
  }
}
