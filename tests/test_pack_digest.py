"""Thread digests: what an import prepares for packs, kept per conversation content, read
back into the very pack that reading every thread would give."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from keeper.library import Library
from keeper.pack import PackOptions
from keeper.pack.digest import DIGEST_VERSION, ThreadDigest, digests
from keeper.pack.memories import CACHE_KEY, memory_states
from keeper.store import continuity
from tests.conftest import SAMPLE_EXPORT
from tests.continuity_support import open_sample
from tests.hostile import run_keeper

SCOPES = (
    PackOptions(budget=8000),
    PackOptions(budget=2000),
    PackOptions(budget=4000, search="Mochi"),
    PackOptions(budget=6000, target="system-prompt"),
)


def _digest_rows(db: Path) -> dict[str, bytes]:
    with Library.open_readonly(str(db)) as library:
        return {
            str(cid): bytes(digest)
            for cid, digest in library.conn.execute(
                "SELECT conversation_id, content_hash FROM thread_digests WHERE version = ?",
                (DIGEST_VERSION,),
            )
        }


def test_a_pack_from_prepared_digests_is_the_pack_read_from_the_threads(tmp_path: Path) -> None:
    prepared = open_sample(tmp_path / "prepared")
    assert prepared.prepare_packs() == len(prepared.conversations())
    assert prepared.prepare_packs() == 0, "every digest is current"
    fresh = open_sample(tmp_path / "fresh")
    for options in SCOPES:
        # ``fresh`` reads its threads and keeps the digests as it goes; ``prepared`` reads
        # the stored ones back (a digest that lost anything in storage changes the pack).
        assert prepared.pack(options).text == fresh.pack(options).text, options
    readonly = Library.open_readonly(str(tmp_path / "prepared" / "keeper.db"))
    for options in SCOPES:
        assert readonly.pack(options).text == fresh.pack(options).text, options
    readonly.close()
    prepared.close()
    fresh.close()


def test_a_digest_survives_its_json_whole(sample_library: Library) -> None:
    ids = [c.id for c in sample_library.conversations()]
    found = digests(sample_library, ids)
    assert set(found) == set(ids)
    for digest in found.values():
        again = ThreadDigest.from_dict(orjson.loads(orjson.dumps(digest.as_dict())))
        assert again == digest
    long_thread = max(found.values(), key=lambda d: d.message_count)
    assert long_thread.state is not None and long_thread.state.chapters
    assert long_thread.facts and long_thread.user_turns


def test_a_changed_conversation_is_digested_again(tmp_path: Path) -> None:
    library = open_sample(tmp_path)
    library.prepare_packs()
    changed = library.conversations()[0].id
    with library.conn:
        library.conn.execute(
            "UPDATE conversations SET content_hash = randomblob(16) WHERE id = ?", (changed,)
        )
    assert continuity.undigested(library.conn, DIGEST_VERSION) == [changed]
    assert library.prepare_packs() == 1
    new_hash = continuity.content_hash(library.conn, changed)
    assert _digest_rows(tmp_path / "keeper.db")[changed] == new_hash
    library.close()


def test_a_read_only_archive_keeps_its_digests_in_memory_and_unchanged_on_disk(
    tmp_path: Path,
) -> None:
    open_sample(tmp_path).close()
    db = tmp_path / "keeper.db"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    with Library.open_readonly(str(db)) as library:
        count = len(library.conversations())
        assert library.prepare_packs() == count
        assert library.prepare_packs() == 0, "kept in memory"
        assert library.pack(PackOptions(budget=3000)).tokens <= 3000
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert _digest_rows(db) == {}


def test_import_prepares_every_thread_for_packs(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    run = run_keeper("import", "--db", db, "--no-embed", SAMPLE_EXPORT)
    assert run.code == 0, run.stderr
    rows = _digest_rows(db)
    with Library.open_readonly(str(db)) as library:
        conversations = library.conversations()
        assert {c.id for c in conversations} == set(rows)
        assert all(continuity.content_hash(library.conn, c.id) == rows[c.id] for c in conversations)
    assert f"Prepared {len(rows):,} threads for context packs." in run.stdout
    again = run_keeper("import", "--db", db, "--no-embed", SAMPLE_EXPORT)
    assert again.code == 0 and "Prepared" not in again.stdout, "nothing changed, nothing computed"


def test_the_pack_is_the_same_whatever_the_hash_seed(tmp_path: Path) -> None:
    """Equal fact scores are ordered by their sentences, not by set order (which changes
    with every process's hash seed and used to swap facts and their numbers: seeds 6 and
    8 gave the sample's whole-archive pack another text than seed 0)."""
    source = tmp_path / "source"
    open_sample(source).close()
    texts = []
    for seed in ("0", "6", "8"):
        folder = tmp_path / f"seed{seed}"
        folder.mkdir()
        shutil.copy(source / "keeper.db", folder / "keeper.db")
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = folder / "pack.md"
        command = [sys.executable, "-m", "keeper", "--db", str(folder / "keeper.db"), "pack"]
        subprocess.run(
            [*command, "--budget", "8000", "-o", str(out)],
            env=env,
            check=True,
            capture_output=True,
            timeout=180,
        )
        texts.append(out.read_text(encoding="utf-8"))
    assert texts[0] == texts[1] == texts[2]


def test_memory_states_are_kept_until_a_memory_changes(tmp_path: Path) -> None:
    library = open_sample(tmp_path)
    first = memory_states(library)
    assert first and any(m.superseded_by for m in first), "the sample has a superseded memory"
    assert continuity.cached_value(library.conn, CACHE_KEY) is not None
    assert memory_states(library) == first
    memory = next(i for i in library.profile() if i["kind"] == "memory")
    library.set_profile_item(memory["id"], edited_text="Keeps a balcony garden of basil.")
    changed = memory_states(library)
    assert "Keeps a balcony garden of basil." in [m.text for m in changed]
    assert memory["text"] not in [m.text for m in changed]
    library.close()


@pytest.mark.parametrize("spread", [1, 5, 40])
def test_a_scoped_voice_reads_an_even_spread_of_its_replies(
    sample_library: Library, spread: int
) -> None:
    ids = [c.id for c in sample_library.conversations()]
    everything = continuity.exchanges(sample_library.conn, None, conversations=ids)
    assert len(everything) > 40
    picked = continuity.exchanges(sample_library.conn, None, conversations=ids, spread=spread)
    assert len(picked) == spread
    assert set(picked) <= set(everything)
    positions = [everything.index(row) for row in picked]
    assert positions[0] == 0, "the spread starts at the first reply"
    if spread > 1:
        assert positions[-1] >= len(everything) * (spread - 1) // spread - 1, "and reaches the end"
    few = continuity.exchanges(sample_library.conn, None, conversations=ids[:1], spread=10_000)
    assert few == continuity.exchanges(sample_library.conn, None, conversations=ids[:1])


def test_search_words_raise_the_facts_that_share_them(sample_library: Library) -> None:
    from keeper.summarize.keywords import term_weights

    weights = term_weights(sample_library.conn)
    found = digests(sample_library, [c.id for c in sample_library.conversations()])
    query = {"mochi", "carrier", "vet"}
    raised = 0
    for digest in found.values():
        plain = digest.fact_scores(weights)
        boosted = digest.fact_scores(weights, query)
        for seed, base, score in zip(digest.facts, plain, boosted, strict=True):
            shared = len(query & set(seed.terms))
            assert base == pytest.approx(seed.score(weights.idf))
            assert score == pytest.approx(base * (1.0 + 2.0 * shared / len(query)))
            raised += shared > 0
    assert raised >= 3, "the sample's cat comes up in several sentences"
