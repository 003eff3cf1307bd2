"""The `auditkit countries` pipeline: which countries each utterance of a corpus mentions.

It runs on the corpus-pass engine (auditkit/corpus_pass.py) that `lang` runs on: same corpus
readers and sources, shards, done markers, resume, run-folder lock, worker processes or Ray.
Its step (CountryStep) gives each utterance a language and matches it with that language's
automaton (auditkit/countries/matcher.py). Where the language comes from (`--languages`):

- ``detect`` (default): lang's two-detector agreement, computed inside the same workers by the
  labeller lang registers in ``corpus_pass.LANGUAGE_LABELLERS`` (this side never imports the
  lang side; whoever runs countries imports both, as the CLI and rerun do);
- a `lang` run folder over the same corpus: its per-utterance ``lang`` column, joined by
  utt_index and checked by text hash;
- a language code (``en``): every utterance is taken to be in that language.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from auditkit.audit import SUMMARY_FILE, build_record, utc_now, write_record
from auditkit.config import to_record
from auditkit.corpus_pass import (
    DONE_DIR,
    SHARD_DIR,
    UTTERANCE_KEY_FIELDS,
    RunFolder,
    Shard,
    StepPool,
    language_labeller,
    language_labeller_target,
    merge_counts,
    run_pass,
)
from auditkit.countries.aggregate import countries_summary, shard_counts
from auditkit.countries.config import CountriesConfig
from auditkit.countries.matcher import matcher_for
from auditkit.errors import AuditkitError
from auditkit.io import read_json, run_folder_lock, text_hash, write_json
from auditkit.skips import SkipLog

MENTION_TYPE = pa.struct(
    [
        ("iso3", pa.string()),
        ("text", pa.string()),
        ("start", pa.int32()),
        ("end", pa.int32()),
        ("status", pa.string()),
        ("kind", pa.string()),
        ("candidates", pa.list_(pa.string())),
        ("reason", pa.string()),
    ]
)

OUTPUT_SCHEMA = pa.schema(
    [
        *UTTERANCE_KEY_FIELDS,
        ("lang", pa.string()),
        ("countries", pa.list_(pa.string())),  # counted mentions' iso3, in text order
        ("mentions", pa.list_(MENTION_TYPE)),  # every match: counted, ambiguous, not a country
    ]
)


def _language_source(spec: str) -> tuple[str, str | None]:
    """('detect'|'run'|'fixed', argument)."""
    if spec == "detect":
        return "detect", None
    if Path(spec).is_dir():
        return "run", str(Path(spec))
    import langcodes

    if spec.replace("-", "").isalpha() and langcodes.tag_is_valid(spec):
        return "fixed", langcodes.standardize_tag(spec).split("-")[0].lower()
    raise AuditkitError(
        f"--languages {spec!r}: neither 'detect', a language code (BCP 47, e.g. en, zh), nor "
        "an existing lang run folder"
    )


class CountryStep:
    """Per shard: each utterance's language, then its country mentions. Pure: the same shard
    gives the same rows in any worker."""

    def __init__(self, languages: str = "detect", labeller: str | None = None) -> None:
        self.mode, self.arg = _language_source(languages)
        # the registered labeller's factory ("module:attr"), resolved by the parent run
        self.labeller_target = labeller
        self._labeller = None
        self._lang_run: Any = None

    # parent side
    def payload(self, shard: Shard) -> tuple[list[str], list[str] | None]:
        texts = [u.text for u in shard.utterances]
        if self.mode == "fixed":
            return texts, [self.arg] * len(texts)
        if self.mode == "run":
            return texts, self._labels_from_run(shard)
        return texts, None

    def _labels_from_run(self, shard: Shard) -> list[str]:
        """The lang run's labels of this shard's utterances, joined by utt_index (one shard's
        rows read at a time: parquet statistics prune the other files, memory stays flat) and
        checked by text hash. An utterance the lang run skipped (counted there) is 'und'."""
        import pyarrow.compute as pc
        import pyarrow.dataset as ds

        if self._lang_run is None:
            files = sorted((Path(self.arg) / SHARD_DIR).glob("part-*.parquet"))
            if not files:
                raise AuditkitError(f"--languages {self.arg}: not a lang run (no {SHARD_DIR}/)")
            self._lang_run = ds.dataset([str(f) for f in files], format="parquet")
            # done markers sit in done/ (in utterances/ in folders made before they moved)
            markers = [
                m
                for f in files
                for m in (
                    Path(self.arg) / DONE_DIR / f.name.replace(".parquet", ".done.json"),
                    f.with_name(f.name.replace(".parquet", ".done.json")),
                )
                if m.exists()
            ]
            self._lang_rows = sum(read_json(m).get("rows", 0) for m in markers)
        n = len(shard.utterances)
        if shard.start + n > self._lang_rows:
            raise AuditkitError(
                f"--languages {self.arg}: the lang run covers {self._lang_rows} utterances, "
                "fewer than this corpus; run lang on the same corpus (and --limit) first"
            )
        idx = pc.field("utt_index")
        part = self._lang_run.to_table(
            columns=["utt_index", "text_hash", "lang"],
            filter=(idx >= shard.start) & (idx < shard.start + n),
        ).to_pydict()
        found = {i: (h, lang) for i, h, lang in zip(*part.values())}
        out = []
        for j, u in enumerate(shard.utterances):
            hit = found.get(shard.start + j)
            if hit is None:
                out.append("und")
                continue
            if text_hash(u.text) != hit[0]:
                raise AuditkitError(
                    f"--languages {self.arg}: utterance {shard.start + j} differs from the "
                    "lang run's (another corpus or another version of it)"
                )
            out.append(hit[1])
        return out

    # worker side
    def _load_labeller(self) -> Any:
        target = self.labeller_target or language_labeller_target("detect")
        return language_labeller(target)

    def warm(self) -> None:
        if self.mode == "detect" and self._labeller is None:
            self._labeller = self._load_labeller()
        matcher_for("en")
        matcher_for("und")

    def work(self, payload: tuple[list[str], list[str] | None]) -> tuple[list[str], list]:
        texts, langs = payload
        if langs is None:
            if self._labeller is None:
                self._labeller = self._load_labeller()
            langs = self._labeller(texts)
        mentions = []
        for text, lang in zip(texts, langs):
            mentions.append(
                [
                    {
                        "iso3": m.iso3,
                        "text": m.text,
                        "start": m.start,
                        "end": m.end,
                        "status": m.status,
                        "kind": m.kind,
                        "candidates": list(m.candidates),
                        "reason": m.reason,
                    }
                    for m in matcher_for(lang).find(text)
                ]
            )
        return langs, mentions

    # parent side
    def rows(self, shard: Shard, result: tuple[list[str], list]) -> tuple[pa.Table, dict, dict]:
        langs, mentions = result
        cols: dict[str, list] = {name: [] for name in OUTPUT_SCHEMA.names}
        for j, (u, lang, ms) in enumerate(zip(shard.utterances, langs, mentions)):
            cols["utt_index"].append(shard.start + j)
            cols["corpus"].append(u.corpus)
            cols["example_id"].append(u.example_id)
            cols["source"].append(u.source)
            cols["role"].append(u.role)
            cols["turn"].append(u.turn)
            cols["side"].append(u.side)
            cols["rank"].append(u.rank)
            cols["text_hash"].append(text_hash(u.text))
            cols["n_chars"].append(len(u.text))
            cols["lang"].append(lang)
            cols["countries"].append([m["iso3"] for m in ms if m["status"] == "country"])
            cols["mentions"].append(ms)
        table = pa.Table.from_pydict(cols, schema=OUTPUT_SCHEMA)
        return table, shard_counts(cols), SkipLog().as_dict()


class CountriesRun:
    """One `auditkit countries` run into an output folder."""

    def __init__(
        self,
        config: CountriesConfig,
        out_dir: str | Path,
        *,
        workers: int | None = None,
        progress: bool = True,
        overwrite: bool = False,
        engine: str = "local",
        ray_address: str | None = None,
    ) -> None:
        _language_source(config.languages)  # fail fast on a bad --languages
        self.config = config
        self.out = Path(out_dir)
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
        self.progress = progress
        self.engine = engine
        self.ray_address = ray_address
        self.folder = RunFolder(self.out, config.identity(), overwrite)

    def _labeller_target(self) -> str | None:
        """'detect': lang's labeller, found in the registry here (workers load it by name)."""
        if _language_source(self.config.languages)[0] != "detect":
            return None
        return language_labeller_target("detect")

    def run(self) -> dict[str, Any]:
        with run_folder_lock(self.out):
            return self._run_locked()

    def _run_locked(self) -> dict[str, Any]:
        from auditkit.corpora import open_corpus

        started = utc_now()
        cfg = self.config
        corpus = open_corpus(cfg.source, format=cfg.format, split=cfg.split, revision=cfg.revision)
        self.folder.prepare(corpus.inputs)
        pool = StepPool(
            "auditkit.countries.mentions_run:CountryStep",
            {"languages": cfg.languages, "labeller": self._labeller_target()},
            workers=self.workers,
            engine=self.engine,
            ray_address=self.ray_address,
        )
        try:
            result = run_pass(
                self.folder,
                corpus,
                pool,
                shard_size=cfg.shard_size,
                limit=cfg.limit,
                progress=self.progress,
                label=f"countries {cfg.source}",
            )
        finally:
            pool.close(cancel=False)
        return self._publish(corpus, result, started)

    def _publish(self, corpus: Any, result: Any, started: str) -> dict[str, Any]:
        """Write summary.json and audit.json of a finished pass; the summary."""
        cfg = self.config
        header = {
            "corpus": corpus.name,
            "format": corpus.format,
            # the fields that determine the rows (the summary's analysis option is its own key)
            "config": cfg.identity(),
            "skips": _all_skips(corpus.skips, SkipLog.from_dict(result.skips)).as_dict(),
            "shards": result.shards,
            "matcher": matcher_info(),
        }
        summary = countries_summary(
            merge_counts(result.counts), header=header, confidence=cfg.ratio_confidence
        )
        write_json(self.out / SUMMARY_FILE, summary)
        record = build_record(
            "countries",
            config=to_record(cfg),
            inputs=corpus.inputs,
            components={"matcher": matcher_info()},
            findings={
                "utterances_total": summary["utterances_total"],
                "mentions_total": summary["mentions_total"],
                "mentions_per_10k_utterances": summary["mentions_per_10k_utterances"],
                "top_countries": [r["iso3"] for r in summary["countries"][:10]],
                "study_countries_never_mentioned": len(summary["study_never_mentioned"]),
            },
            started=started,
            extra={
                "resumed_utterances": result.resumed_utterances,
                "workers": self.workers,
                "engine": self.engine,
                "corpus": corpus.describe(),
            },
        )
        write_record(self.out, record)
        return summary


def _all_skips(*logs: SkipLog) -> SkipLog:
    out = SkipLog()
    for log in logs:
        out.merge(log)
    return out


def matcher_info() -> dict[str, Any]:
    """What determines a match, for summary/audit: the sources' versions and the table."""
    from importlib import metadata

    from auditkit.countries.matcher import matcher_languages
    from auditkit.io import text_hash as _hash

    versions = {}
    for pkg in ("babel", "countryinfo", "pycountry", "pyahocorasick", "rjieba"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    from importlib import resources

    table = resources.files("auditkit.facts").joinpath("data", "countries.yaml").read_text("utf-8")
    return {
        "sources": versions,
        "table_hash": _hash(table),
        "languages": list(matcher_languages()),
    }


def countries_config(source: str | CountriesConfig = "sample", **options: Any) -> CountriesConfig:
    """A CountriesConfig from keyword options (the API's older form); a config passes through."""
    if isinstance(source, CountriesConfig):
        return source.replace(**options) if options else source
    unknown = set(options) - set(CountriesConfig.__dataclass_fields__)
    if unknown:
        raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}")
    return CountriesConfig(source=source, **options)


def run_countries(
    config: CountriesConfig | str = "sample",
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    progress: bool = False,
    overwrite: bool = False,
    engine: str = "local",
    ray_address: str | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Python API of `auditkit countries`: match a corpus and return the summary dict.

    config: a CountriesConfig, or a source with the CountriesConfig fields as keyword options
    (format, split, revision, limit, languages, shard_size, ratio_confidence).
    """
    from auditkit.io import default_out_dir

    cfg = countries_config(config, **options)
    out_dir = Path(out) if out is not None else default_out_dir("countries", cfg.source)
    return CountriesRun(
        cfg,
        out_dir,
        workers=workers,
        progress=progress,
        overwrite=overwrite,
        engine=engine,
        ray_address=ray_address,
    ).run()


def read_mentions(out_dir: str | Path):
    """All per-utterance rows of a countries run as one pandas DataFrame (shard order)."""
    files = sorted((Path(out_dir) / SHARD_DIR).glob("part-*.parquet"))
    if not files:
        raise AuditkitError(f"{out_dir}: no per-utterance results ({SHARD_DIR}/part-*.parquet)")
    return pq.ParquetDataset(files).read().to_pandas()
