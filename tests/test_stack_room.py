"""A call made with stack room does not map a frame chunk each time it crosses one's end.

Seen from outside as minor page faults: a chunk CPython unmaps and maps again comes back as fresh
zero pages, faulted in one by one. At each depth of a recursion a small call is made many times;
at the depth where that call crosses a chunk's end, every one of them faults, unless the recursion
runs inside ``call_with_stack_room``. In a fresh interpreter, so the depth it starts at is its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

LEAF_CALLS = 300

_PROBE = textwrap.dedent(f"""
    import json, resource, sys
    from llama_conformance.isolation.stack_room import call_with_stack_room

    def leaf():
        return 1

    def worst_depth(depth_left):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range({LEAF_CALLS}):
            leaf()
        here = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
        return max(here, worst_depth(depth_left - 1)) if depth_left else here

    worst_depth(5)  # the probe's own code and the rusage calls warmed up
    plain = worst_depth(400)
    roomy = call_with_stack_room(worst_depth, 400)
    print(json.dumps({{"plain": plain, "roomy": roomy}}))
""")


def test_calls_in_stack_room_do_not_fault_in_a_frame_chunk_each_time() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120, check=True)
    faults = json.loads(done.stdout)
    if faults["plain"] < LEAF_CALLS:  # an interpreter that keeps a chunk once it has one: nothing to avoid
        pytest.skip(f"this Python does not unmap a frame chunk on return ({faults})")
    assert faults["roomy"] < LEAF_CALLS // 10, faults
