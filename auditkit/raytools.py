"""Ray: one home for joining or starting a cluster (every side's `--engine ray` uses it).

Ray is optional (`auditkit[ray]`); without it `--engine ray` is a one-line error with the pip
hint. Results never depend on the engine: Ray runs give the same summaries as local ones.
"""

from __future__ import annotations

from typing import Any

from auditkit.errors import AuditkitError, MissingDependency

# --- Ray ------------------------------------------------------------------------------------
RAY_PIP_HINT = "'auditkit[ray]'"


def require_ray() -> Any:
    try:
        import ray
    except ImportError as e:
        raise MissingDependency("ray", RAY_PIP_HINT, "--engine ray") from e
    return ray


def init_ray(address: str | None, num_cpus: int | None) -> Any:
    """Join the cluster at `address`, or start a local one with num_cpus slots."""
    ray = require_ray()
    if ray.is_initialized():
        return ray
    kwargs: dict[str, Any] = {
        "ignore_reinit_error": True,
        "log_to_driver": False,
        "include_dashboard": False,
    }
    if address:
        kwargs["address"] = address
    elif num_cpus:
        kwargs["num_cpus"] = num_cpus
    try:
        ray.init(**kwargs)
    except ConnectionError as e:
        raise AuditkitError(f"could not join the Ray cluster at {address!r}: {e}") from e
    from ray.data import DataContext

    DataContext.get_current().enable_progress_bars = False
    return ray
