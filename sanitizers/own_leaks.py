#!/usr/bin/env python3
"""Reads a LeakSanitizer report and fails only on leaks that invertlab's code allocated.

XCTest keeps every test case it ran (names, closures, descriptions) reachable from a weak-reference side table it
never frees; LeakSanitizer reports all of that as indirect leaks at exit, allocated entirely inside XCTest and the
Swift runtime. A suppression cannot single them out (any pattern that matches XCTest's frames also matches every
allocation a test body makes, since test bodies run under XCTest), so this reads each leak's allocation stack
instead: a leak is XCTest's when its stack passes through a test class's `init(name:testClosure:)` or `setUp`,
which build the test case instances XCTest keeps and the state stored on them; otherwise it is ours when a frame
lies in this repository's sources or in one of its modules. (A cycle made inside a `setUp` would be missed.)

usage: own_leaks.py LOG REPOSITORY
"""
import re
import sys

OUR_MODULES = ["NeuralNet", "TensorFiles", "Datasets", "Lab", "Terminal", "Workbench", "invertlab", "FuzzTargets",
               "NeuralNetTests", "DatasetsTests", "LabTests", "TerminalTests", "WorkbenchTests", "EndToEndTests"]


# XCTestCase.init(name:testClosure:) and setUp / setUpWithError, as Swift mangles them.
INSTANCE_STATE = re.compile(r"C4name11testClosure|C14setUpWithErroryyKF|C5setUpyyF")


def is_ours(frame, repository):
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
    ours = [block for block in found
            if not any(INSTANCE_STATE.search(frame) for frame in block[2:])
            and any(is_ours(frame, repository) for frame in block[2:])]
    for block in ours:
        print("\n".join(block) + "\n")
    print("LeakSanitizer: %d leak report(s), %d allocated by invertlab's code, %d kept by XCTest (test cases and their state)"
          % (len(found), len(ours), len(found) - len(ours)))
    sys.exit(1 if ours else 0)


if __name__ == "__main__":
    main()
