"""Certification reports: check results, verdict, baselines, and their JSON / Markdown / HTML / badge forms.

``build_report`` turns a run into schema-validated JSON data; everything else (rendering,
``diff``, the CLI) reads that data, so a saved report can be re-rendered or compared later.
"""
