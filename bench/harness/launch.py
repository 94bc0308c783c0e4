"""Run a module's ``__main__`` on the event loop a benchmark row names.

``python -m bench.harness.launch --uvloop MODULE ARGS…`` installs uvloop's event
loop policy, then runs ``python -m MODULE ARGS…`` in this process;
``--asyncio`` makes ``import uvloop`` fail first, so a module that picks
uvloop when it is installed runs on asyncio's own loop. The floor runs this
way; the relay has its own switch (``cobrowse serve --loop``). Before either
existed, the relay's "asyncio" rows ran on uvloop wherever uvloop was
installed, against a floor on asyncio.
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
    elif args[:1] == ["--asyncio"]:
        sys.modules["uvloop"] = None  # type: ignore[assignment]  # import raises ImportError
        args = args[1:]
    if not args:
        sys.exit("usage: python -m bench.harness.launch [--uvloop|--asyncio] MODULE [ARGS…]")
    sys.argv = [args[0], *args[1:]]
    runpy.run_module(args[0], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
