#!/usr/bin/env python3
"""Reads a LeakSanitizer report and fails only on leaks that invertlab's code allocated.

XCTest keeps every test case it ran (names, closures, descriptions) reachable from a weak-reference side table it
never frees; LeakSanitizer reports all of that as indirect leaks at exit, allocated entirely inside XCTest and the
Swift runtime. A suppression cannot single them out (any pattern that matches XCTest's frames also matches every
allocation a test body makes, since test bodies run under XCTest), so this reads each leak's allocation stack
instead: a leak is ours when a frame lies in this repository's sources or in one of its modules, other than a test
class's `init(name:testClosure:)`, where XCTest makes the test case instances it then keeps (with their stored
properties' initial values).

usage: own_leaks.py LOG REPOSITORY
"""
import re
import sys

OUR_MODULES = ["NeuralNet", "TensorFiles", "Datasets", "Lab", "Terminal", "Workbench", "invertlab", "FuzzTargets",
               "NeuralNetTests", "DatasetsTests", "LabTests", "TerminalTests", "WorkbenchTests", "EndToEndTests"]


def is_ours(frame, repository):
    # XCTestCase.init(name:testClosure:) of a test class: XCTest creates the instances it keeps.
    if "4name11testClosure" in frame:
        return False
    if repository in frame:
        return True
    # Swift mangles a module as its name's length then the name, after "$s" for the first one in a symbol.
    return any(re.search(r"\$s%d%s" % (len(name), name), frame) for name in OUR_MODULES)


def leaks(text):
    """Each leak report: its first line and its frames."""
    block = None
    for line in text.splitlines():
        if re.match(r"(Direct|Indirect) leak of \d+ byte", line):
            block = [line]
        elif block is not None and line.strip().startswith("#"):
            block.append(line)
        elif block is not None:
            yield block
            block = None
    if block:
        yield block


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    log, repository = sys.argv[1], sys.argv[2]
    with open(log, errors="replace") as handle:
        found = list(leaks(handle.read()))
    # Frame #0 is the allocator, linked into the test binary from the sanitizer runtime.
    ours = [block for block in found if any(is_ours(frame, repository) for frame in block[2:])]
    for block in ours:
        print("\n".join(block) + "\n")
    print("LeakSanitizer: %d leak report(s), %d allocated by invertlab's code, %d inside XCTest and the Swift runtime"
          % (len(found), len(ours), len(found) - len(ours)))
    sys.exit(1 if ours else 0)


if __name__ == "__main__":
    main()
