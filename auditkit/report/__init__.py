"""Reports over run folders of `lang`, `probe-rm` and `eval`, release gates, and re-runs.

* ``auditkit report RUN_DIR...`` (:func:`auditkit.report.api.report`): a rich terminal
  summary, ``--html FILE`` one self-contained HTML file (inline SVG charts, offline world
  map), ``--format compliance`` Markdown (EU AI Act public-summary language section, dataset
  card fragment, Croissant RAI JSON-LD), ``--format json`` the computed links. Each opens
  with findings (:mod:`auditkit.report.findings`); links are made only where declared
  (:mod:`auditkit.report.links`: ``steps[].data`` or ``--link SOURCE_RUN=TARGET``).
* ``auditkit check --policy POLICY.yaml RUN_DIR...`` (:func:`auditkit.report.api.check`):
  declarative thresholds over summary metrics; exit 0 pass, 1 fail, 2 missing inputs.
  Example: ``fixtures/report/policy.yaml``.
* ``auditkit rerun AUDIT_JSON`` (:func:`auditkit.rerun.rerun`): replays a run from its
  audit record after checking its input fingerprints, and compares the summaries.
"""

import sys as _sys
import types as _types


class _CallablePackage(_types.ModuleType):
    """``auditkit.report(...)`` is the Python API's report function, but importing this
    subpackage rebinds the name ``auditkit.report`` to it: calling the package calls the
    function, so both spellings work whatever was imported first."""

    def __call__(self, *args, **kwargs):
        from auditkit.api import report

        return report(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallablePackage
