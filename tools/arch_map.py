"""Print auditkit's module map: lines per module, which part imports which, largest functions.

Used for the architecture issue's before/after note and to review a change's shape:

    python tools/arch_map.py                 # parts, imports between parts, 15 largest functions
    python tools/arch_map.py --modules       # every module with its line count
    python tools/arch_map.py --json out.json # everything, machine-readable

A "part" is a top-level package of auditkit (langid, probes, ...) or a top-level module.
Imports are read with ast (static `import`/`from` statements, including ones inside
functions) plus `importlib.import_module("auditkit...")` string literals.
"""

from __future__ import annotations

import argparse
import ast
import json
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "auditkit"


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def part_of(module: str) -> str:
    bits = module.split(".")
    return bits[1] if len(bits) > 1 else "auditkit"


def resolve(node: ast.ImportFrom, module: str, is_pkg: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_pkg:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def scan():
    modules = {}
    for path in sorted(ROOT.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        name = module_name(path)
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        imports = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imports.update(a.name for a in node.names if a.name.startswith("auditkit"))
            elif isinstance(node, ast.ImportFrom):
                target = resolve(node, name, path.name == "__init__.py")
                if target.startswith("auditkit"):
                    imports.add(target)
                    for alias in node.names:
                        imports.add(f"{target}.{alias.name}")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.split(":")[0]
                if text.startswith("auditkit.") and " " not in text:
                    imports.add(text)
        functions = []
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions.append((node.name, node.lineno, node.end_lineno - node.lineno + 1))
        modules[name] = {
            "path": str(path.relative_to(ROOT.parent)),
            "lines": len(source.splitlines()),
            "imports": sorted(imports),
            "functions": functions,
        }
    names = set(modules)
    for info in modules.values():
        # keep only names that are modules (drop `from x import func` attribute targets)
        info["imports"] = sorted({i for i in info["imports"] if i in names})
    return modules


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--modules", action="store_true", help="list every module with its lines")
    parser.add_argument("--top", type=int, default=15, help="how many largest functions to list")
    parser.add_argument("--json", help="write the full map to this file")
    args = parser.parse_args()
    modules = scan()
    part_lines = defaultdict(int)
    part_files = defaultdict(int)
    edges = defaultdict(set)
    for name, info in modules.items():
        part = part_of(name)
        part_lines[part] += info["lines"]
        part_files[part] += 1
        for target in info["imports"]:
            other = part_of(target)
            if other != part:
                edges[part].add(other)
    total = sum(i["lines"] for i in modules.values())
    print(
        f"{len(modules)} modules, {total} lines; largest module: "
        + max(((i["lines"], n) for n, i in modules.items()))[1]
        + f" ({max(i['lines'] for i in modules.values())} lines)"
    )
    print("\npart                 files  lines  imports")
    for part in sorted(part_lines):
        print(
            f"{part:<20} {part_files[part]:>5} {part_lines[part]:>6}  {', '.join(sorted(edges[part])) or '-'}"
        )
    if args.modules:
        print("\nmodule lines")
        for name, info in sorted(modules.items()):
            print(f"{info['lines']:>6}  {name}")
    funcs = sorted(
        (
            (length, f"{modules[n]['path']}:{line} {fn}")
            for n in modules
            for fn, line, length in modules[n]["functions"]
        ),
        reverse=True,
    )
    print(f"\n{args.top} largest functions")
    for length, where in funcs[: args.top]:
        print(f"{length:>5}  {where}")
    if args.json:
        Path(args.json).write_text(json.dumps(modules, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
