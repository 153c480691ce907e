"""What the end-to-end suites share: a failed expectation, the assertions
that raise it, and the runner that prints `ok NAME` / `FAIL NAME: why` and
the closing `N passed, M failed` line."""
import traceback


class Fail(Exception):
    """A check's expectation that did not hold."""


def check(cond, message):
    if not cond:
        raise Fail(message)


def eq(actual, expected, what):
    if actual != expected:
        raise Fail(f"{what}: expected {expected!r}, got {actual!r}")


def run(checks, describe=None):
    """Runs (name, fn) checks in order; returns how many failed. `describe`
    may turn a client's own exception into a line (None: not one of its)."""
    passed = failed = 0
    for name, fn in checks:
        try:
            fn()
        except Fail as e:
            failed += 1
            print(f"FAIL {name}: {e}", flush=True)
        except Exception as e:  # the check itself broke: say where
            failed += 1
            described = describe(e) if describe else None
            if described is None:
                where = traceback.extract_tb(e.__traceback__)[-1]
                described = f"{type(e).__name__}: {e} (line {where.lineno})"
            print(f"FAIL {name}: {described}", flush=True)
        else:
            passed += 1
            print(f"ok {name}", flush=True)
    print(f"{passed} passed, {failed} failed", flush=True)
    return failed
