"""auditkit.audit: what every run records next to its summary."""

import dataclasses

from auditkit import __version__, audit
from auditkit.config import RunConfig, setting, to_record


@dataclasses.dataclass(frozen=True)
class ExampleConfig(RunConfig):
    source: str = "sample"
    limit: int | None = setting(None, min=1)
    groups: tuple[str, ...] = ()


def test_record_holds_the_config_as_recorded_and_the_versions(tmp_path):
    cfg = ExampleConfig(limit=5, groups=["a", "b"])
    started = audit.utc_now()
    record = audit.build_record(
        "lang",
        to_record(cfg),
        inputs=[{"path": "c.jsonl", "sha256": "0" * 64}],
        components={"detector": {"name": "x"}},
        findings={"share": 0.5},
        started=started,
    )
    assert record["schema"] == audit.RECORD_SCHEMA
    assert record["config"] == {"source": "sample", "limit": 5, "groups": ["a", "b"]}
    assert record["versions"]["auditkit"] == __version__
    assert record["started"] <= record["finished"]
    path = audit.write_record(tmp_path, record)
    assert path.name == audit.AUDIT_FILE
    from auditkit.io import read_json

    assert read_json(path) == record
