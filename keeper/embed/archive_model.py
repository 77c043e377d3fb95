"""Which model embeds an archive that has none yet: chosen by its share of CJK text."""

from __future__ import annotations

import apsw

from keeper.embed.model import model_for_archive
from keeper.store.vectors import cjk_message_share


def archive_default_model(conn: apsw.Connection) -> str:
    """The default embedding model for the archive behind ``conn`` (see
    :func:`keeper.embed.model.model_for_archive`)."""
    return model_for_archive(cjk_message_share(conn))
