"""Open a ChatGPT export in any shape and stream its conversations without extracting it."""

from keeper.archive.assets import AssetIndex, pointer_id
from keeper.archive.model import Anomaly, AssetMember, RawRecord
from keeper.archive.opener import open_export
from keeper.archive.source import ExportSource
from keeper.archive.split import iter_json_values

__all__ = [
    "Anomaly",
    "AssetIndex",
    "AssetMember",
    "ExportSource",
    "RawRecord",
    "iter_json_values",
    "open_export",
    "pointer_id",
]
