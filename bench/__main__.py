"""python -m bench [--quick] [--only NAME] — run the benchmarks and print figures beside their goals."""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path

import django


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small data: a smoke run, not the targets")
    parser.add_argument("--only", action="append", default=[], help="run only bench_<NAME> (repeatable)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    # Servers the benchmarks start speak plain HTTP on loopback: no HTTPS redirect, no secure-only cookies.
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS"):
        os.environ.setdefault(name, "0")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    django.setup()
    from bench import Figure

    figures: list[Figure] = []
    package = Path(__file__).resolve().parent
    for module_info in sorted(pkgutil.iter_modules([str(package)]), key=lambda m: m.name):
        if not module_info.name.startswith("bench_"):
            continue
        if args.only and module_info.name.removeprefix("bench_") not in args.only:
            continue
        module = importlib.import_module(f"bench.{module_info.name}")
        started = time.perf_counter()
        print(f"== {module_info.name} ...", flush=True)
        figures.extend(module.run(quick=args.quick))
        print(f"   done in {time.perf_counter() - started:.1f} s", flush=True)
    print()
    print(f"{'area':<12} {'figure':<58} {'value':>12} {'unit':<8} {'goal':<16} verdict")
    print("-" * 120)
    for figure in figures:
        print(figure.row())
    return 1 if any(figure.ok is False for figure in figures) else 0


if __name__ == "__main__":
    raise SystemExit(main())
