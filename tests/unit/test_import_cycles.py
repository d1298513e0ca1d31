"""No import cycles among our own modules.

A cycle makes the import order matter (one module sees the other half-initialised) and is
usually worked around with an import inside a function. Every import counts here: the ones
inside functions and behind TYPE_CHECKING too, as grimp sees them. Break a new cycle by moving
the shared piece into a module both can import, or by passing it as a parameter."""

from __future__ import annotations

import itertools

import grimp

PACKAGES = ("gateway", "dso_client", "stam_mapping", "adapters", "message_queue")


def strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """The groups of two or more modules that import each other, directly or through others
    (Tarjan's algorithm, iterative: the graph is deeper than Python's recursion limit likes)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, imported = work[-1]
            child = next(imported, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[module] = min(low[module], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def describe(graph: grimp.ImportGraph, group: list[str]) -> str:
    """One cycle through the group, with the import line of each step."""
    first = group[0]
    back = next(
        importer
        for importer in sorted(graph.find_modules_that_directly_import(first))
        if importer in group and graph.find_shortest_chain(first, importer) is not None
    )
    chain = [*(graph.find_shortest_chain(first, back) or ()), first]
    steps = []
    for importer, imported in itertools.pairwise(chain):
        details = graph.get_import_details(importer=importer, imported=imported)
        where = f" (line {details[0]['line_number']}: {details[0]['line_contents']})" if details else ""
        steps.append(f"  {importer} -> {imported}{where}")
    return f"{len(group)} modules: {', '.join(group)}\n" + "\n".join(steps)


def test_no_import_cycles() -> None:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    cycles = [describe(graph, group) for group in strongly_connected(graph)]
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_check_sees_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("a", "a.b", "a.c", "a.d"):
        graph.add_module(module)
    graph.add_import(importer="a.b", imported="a.c")
    graph.add_import(importer="a.c", imported="a.d")
    graph.add_import(importer="a.d", imported="a.b")
    graph.add_import(importer="a", imported="a.b")
    assert strongly_connected(graph) == [["a.b", "a.c", "a.d"]]
