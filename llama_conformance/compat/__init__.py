"""``llama-conformance compat``: one provider against several API package versions, each in its own env.

A provider author wants to know which releases of the API package their provider works with
before their users find out. Each version gets an isolated, cached environment (the kit, that
API package version, the provider); the kit runs in each, in parallel, and the verdicts form
one table (``compat.json``, ``compat.md``, ``compat.html``). See ``docs/compat.md``.
"""
