"""Provider code runs where the kit can stop it.

The mechanism, chosen by measurement (``benchmarks/bench_isolation.py``):

* **a worker process** (pytest-xdist, one worker, replaced when it dies): the provider and
  the suites run there, the process the user started only schedules and reports. A crash
  (a segfault in a C extension, ``os._exit``, a killed worker) ends the worker, never the run;
  xdist starts a new one, which builds the provider afresh and runs the remaining tests.
  Calls cost nothing extra (suites and provider share the worker). On Linux the worker is a fork
  of the scheduling process taken once its imports are done (``zygote``), so a run pays one
  interpreter start-up, not two; elsewhere, or when that process runs a thread, a fresh one.
* **a hard deadline** per call (``recorder``): ``faulthandler``'s watchdog is a C thread that
  needs no GIL, so it fires even while provider code spins in C holding the GIL; it writes the
  stacks and ends the worker at 1.5-1.75 x the deadline (armed with slack, so back to back calls
  do not each restart its thread). A loop the provider blocked is found at
  the deadline itself (the gate's probe) and ends the worker at once.
* **a memory ceiling** (``memory``): ``RLIMIT_DATA`` on the worker, so an allocation past it
  fails with ``MemoryError`` in the provider's own frame instead of growing until the machine
  swaps.
* **what was running** (``recorder``): before each call the worker writes the test, the member
  and the (redacted, truncated) request to a file the scheduling process reads when the worker
  dies (``crash``), so the finding names the method and the request, and the member is refused
  at once in later workers instead of crashing them one by one.
"""
