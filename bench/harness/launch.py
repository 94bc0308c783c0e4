"""Run a module's ``__main__`` with uvloop as the event loop.

``python -m bench.harness.launch --uvloop MODULE ARGS…`` installs uvloop's event
loop policy, then runs ``python -m MODULE ARGS…`` in this process. Used to
measure the relay and the floor on uvloop without changing how the relay
picks its loop.
"""

from __future__ import annotations

import runpy
import sys


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--uvloop"]:
        import uvloop

        uvloop.install()
        args = args[1:]
    if not args:
        sys.exit("usage: python -m bench.harness.launch [--uvloop] MODULE [ARGS…]")
    sys.argv = [args[0], *args[1:]]
    runpy.run_module(args[0], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
