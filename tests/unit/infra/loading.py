"""The scripts of infra/ (not a package: they run as files, in the image and from make)
loaded as modules for the tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[3]
INFRA = REPO / "infra"


def script(relative: str, name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, INFRA / relative)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def infra_lint() -> ModuleType:
    return script("lint.py", "infra_lint")


def ledger_probe() -> ModuleType:
    return script("image/ledger_probe.py", "ledger_probe")
