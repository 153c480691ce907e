// What the Node suite's checks share, as tests/e2e/checks.py does for the
// Python ones: a failed expectation, the assertions that raise it, and the
// runner that prints `ok NAME` / `FAIL NAME: why` and the closing
// `N passed, M failed` line.

import { inspect } from "node:util";

/** A check's expectation that did not hold. */
export class Fail extends Error {}

export function check(cond, message) {
  if (!cond) throw new Fail(message);
}

/** Deep equality on JSON-like values (what the SDK parses). */
export function eq(actual, expected, what) {
  if (!same(actual, expected)) {
    throw new Fail(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

function same(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && same(a[key], b[key]));
}

export function show(value, limit = 400) {
  const text = inspect(value, { depth: 4, breakLength: Infinity });
  return text.length <= limit ? text : `${text.slice(0, limit)}...`;
}

/**
 * Runs [name, fn] checks in order (fn may be async); returns how many
 * failed. `describe` may turn a client's own error into a line (null: not
 * one of its).
 */
export async function run(checks, describe = () => null) {
  let passed = 0;
  let failed = 0;
  for (const [name, fn] of checks) {
    try {
      await fn();
      passed += 1;
      console.log(`ok ${name}`);
    } catch (error) {
      failed += 1;
      const broke = () => `${error?.name}: ${error?.message} (${where(error)})`;
      const described = error instanceof Fail ? error.message : (describe(error) ?? broke());
      console.log(`FAIL ${name}: ${described}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed;
}

/** The first line of a stack that is one of this suite's files. */
function where(error) {
  const line = String(error?.stack ?? "")
    .split("\n")
    .find((l) => l.includes("/tests/e2e/node/") && !l.includes("checks.mjs"));
  return line ? line.trim() : "no stack";
}
