/*
 * Records are plain objects whose keys come from the data. `obj[k] = v` with `k === '__proto__'`
 * calls the prototype setter (the field is lost, and the object's prototype changes), and
 * `k in obj` is true for inherited names (`constructor`, `toString`). Code that copies record
 * fields or counts by record keys uses these instead.
 */

/** Set an own, enumerable property, also when `key` is `__proto__`. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

/** Whether `obj` has `key` itself (not inherited from Object.prototype). */
export function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** Add `by` to the count of `key` in `map` (any key, `constructor` and `__proto__` included). */
export function addCount(map: Record<string, number>, key: string, by: number): void {
  setOwn(map, key, (hasOwn(map, key) ? map[key] : 0) + by);
}

/**
 * A lookup table keyed by names that come from data (roles, entity names, charsets, language
 * codes): an object without a prototype, so `t['constructor']` or `t['toString']` is undefined
 * rather than Object.prototype's member (hostile review 6 F20: a role 'toString' crashed export;
 * `&toString;` became the text of a function in normalize).
 */
export function table<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}
