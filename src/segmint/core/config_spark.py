"""The settings of the scale-out engine: where Spark runs and where its tables are.

A section of `segmint.toml` beside those of `segmint.core.config`, which reads it in.
`engine = "spark"` (or `segmint run --engine spark`) makes a run read the canonical
tables from `tables` and compute on Spark; see docs/spark.md.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SparkSettings(BaseModel):
    """Apache Spark, for a run on more customers than one machine holds."""

    # as config's sections: frozen, unknown keys refused
    model_config = ConfigDict(frozen=True, extra="forbid")

    master: str = Field(
        "local[*]",
        description="Where Spark runs: local[*], yarn, k8s://https://host:443, spark://host:7077; "
        "empty: as spark-submit or the managed service says.",
    )
    tables: str = Field(
        "",
        description="Folder or object-store URL of the canonical tables as Parquet, one folder "
        "per table (segmint export tables writes them); a relative folder is the workspace's.",
    )
    output: str = Field(
        "",
        description="Where a Spark run writes its snapshot and memberships as Parquet "
        "(empty: under tables).",
    )
    options: dict[str, str] = Field(
        default_factory=dict,
        description='Spark settings for the session, e.g. "spark.executor.memory" = "8g".',
    )
