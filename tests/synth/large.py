"""Random conversations with realistic shapes, sizes and metadata, for ``make_conversations``
and the large benchmark export.

Sizes are long-tailed (most chats are 5–40 messages, a few run to thousands), message
lengths are drawn per role, and every conversation has the hidden scaffolding of a real
export (root, system, custom instructions). Turns occasionally carry branches, tool calls,
reasoning, uploads, voice or citations, in the shape of the conversation's era.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import random
import uuid
from typing import Any

from tests.synth.build import (
    ConversationBuilder,
    Json,
    audio_pointer,
    epoch,
    file_service_id,
    hex_id,
    image_part,
    iso,
    multimodal,
    png_bytes,
    sediment_id,
    text,
    transcription,
    wav_bytes,
)
from tests.synth.text import TOPIC_NAMES, TextGen

_MODELS: dict[str, list[tuple[str, float]]] = {
    "2023": [
        ("text-davinci-002-render-sha", 0.5),
        ("gpt-4", 0.42),
        ("gpt-4-code-interpreter", 0.05),
        ("gpt-4-browsing", 0.03),
    ],
    "2024": [
        ("gpt-4o", 0.58),
        ("gpt-4o-mini", 0.15),
        ("gpt-4", 0.15),
        ("o1-preview", 0.05),
        ("o1", 0.07),
    ],
    "2025": [
        ("gpt-4o", 0.45),
        ("o3", 0.12),
        ("o4-mini", 0.08),
        ("gpt-4-5", 0.05),
        ("gpt-5", 0.15),
        ("gpt-5-thinking", 0.15),
    ],
    "2026": [("gpt-5-2", 0.3), ("gpt-5-thinking", 0.3), ("auto", 0.3), ("gpt-5-t", 0.1)],
}
_REASONING = {"o1-preview", "o1", "o3", "o4-mini", "gpt-5-thinking", "gpt-5-t"}
_ERA_STARTS = [
    (epoch(2024, 1, 1), "2024"),
    (epoch(2025, 1, 1), "2025"),
    (epoch(2026, 1, 1), "2026"),
]
_DOMAINS = [
    "wikipedia.example.org",
    "docs.example.com",
    "news.example.net",
    "blog.example.io",
    "forum.example.org",
    "journal.example.edu",
    "recipes.example.com",
    "travel.example.com",
]
_PROFILE = (
    "Preferred name: Sam\nRole: Product designer\nOther Information: Lives in Lisbon, "
    "learning Portuguese, two kids."
)
_INSTRUCTIONS = "Be direct. Use examples. Skip the disclaimers."
_N_PNG = 8


def era_of(ts: float) -> str:
    """The export era (message shape) for a conversation started at ``ts``."""
    era = "2023"
    for start, name in _ERA_STARTS:
        if ts >= start:
            era = name
    return era


def _weighted(rng: random.Random, table: list[tuple[str, float]]) -> str:
    cum = list(itertools.accumulate(w for _, w in table))
    return table[bisect.bisect(cum, rng.random() * cum[-1])][0]


def _clip(x: float, lo: int, hi: int) -> int:
    return max(lo, min(hi, int(x)))


class RandomConversations:
    """A seeded source of random conversations.

    Uploaded images and voice clips become ``<id>.dat`` files collected in ``assets`` (archive
    path -> bytes) and ``asset_names`` (the ``conversation_asset_file_names.json`` map); a few
    ratings go to ``feedback``. Callers may drain these between conversations.
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        cjk_ratio: float = 0.15,
        branch_rate: float = 0.025,
        edit_rate: float = 0.012,
        tool_rate: float = 0.10,
        multimodal_rate: float = 0.03,
        slim: bool = False,
        shape: str = "2026",
    ) -> None:
        self.seed = seed
        self.rng = random.Random(f"synth-random/{seed}")
        self.text = TextGen(self.rng)
        self.cjk_ratio = cjk_ratio
        self.branch_rate = branch_rate
        self.edit_rate = edit_rate
        self.tool_rate = tool_rate
        self.multimodal_rate = multimodal_rate
        self.slim = slim
        self.shape = shape
        self.assets: dict[str, bytes] = {}
        self.asset_names: dict[str, str] = {}
        self.feedback: list[Json] = []
        self.projects = ["g-p-" + hex_id(32, seed, "project", i) for i in range(6)]
        self.gizmos = ["g-" + file_service_id(seed, "gizmo", i)[5:14] for i in range(4)]
        self._pngs = [png_bytes(12, 12, f"{seed}/thumb/{i}") for i in range(_N_PNG)]
        self._wav = wav_bytes(400, 20)
        self._asset_n = 0

    # sizes ------------------------------------------------------------------------------
    def message_count(self) -> int:
        """Messages in one conversation: long-tailed, median about 14."""
        rng = self.rng
        r = rng.random()
        if r < 0.80:
            return _clip(rng.lognormvariate(math.log(14), 0.6), 2, 60)
        if r < 0.975:
            return _clip(math.exp(rng.uniform(math.log(40), math.log(400))), 40, 400)
        return _clip(math.exp(rng.uniform(math.log(500), math.log(5000))), 500, 5000)

    def _user_chars(self) -> int:
        return _clip(self.rng.lognormvariate(math.log(130), 0.75), 20, 400)

    def _assistant_chars(self) -> int:
        return _clip(self.rng.lognormvariate(math.log(1350), 0.55), 300, 3000)

    # assets -----------------------------------------------------------------------------
    def _asset(self, kind: str, era: str, ext: str, data: bytes) -> tuple[str, str]:
        """Register an asset; return (pointer, file id)."""
        self._asset_n += 1
        if era >= "2025":
            file_id = sediment_id(self.seed, kind, self._asset_n)
            pointer = f"sediment://{file_id}"
        else:
            file_id = file_service_id(self.seed, kind, self._asset_n)
            pointer = f"file-service://{file_id}"
        self.assets[f"{file_id}.dat"] = data
        self.asset_names[f"{file_id}.dat"] = f"{kind}-{self._asset_n}.{ext}"
        return pointer, file_id

    # conversations ----------------------------------------------------------------------
    def conversation(
        self, index: int, n_nodes: int, start: float, *, era: str | None = None
    ) -> Json:
        """One conversation of about ``n_nodes`` nodes (at least the scaffolding)."""
        rng = self.rng
        era = era or era_of(start)
        model = _weighted(rng, _MODELS[era])
        r = rng.random()
        lang = "zh" if r < self.cjk_ratio * 0.6 else ("ja" if r < self.cjk_ratio else "en")
        topic = rng.choice(TOPIC_NAMES)
        title = None if rng.random() < 0.01 else self.text.title(lang, topic)
        b = ConversationBuilder(
            f"random-{index}",
            seed=self.seed,
            title=title,
            start=start,
            era=era,
            shape=self.shape,
            model=model,
            slim=self.slim,
            rng=rng,
            conversation_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        )
        r = rng.random()
        if r < 0.12:
            project = rng.choice(self.projects)
            b.set(
                gizmo_id=project,
                gizmo_type="snorlax",
                conversation_template_id=project,
                memory_scope="project_enabled",
            )
        elif r < 0.15:
            gizmo = rng.choice(self.gizmos)
            b.set(gizmo_id=gizmo, gizmo_type="gpt", conversation_template_id=gizmo)
        if rng.random() < 0.03:
            b.set(is_archived=True)
        if rng.random() < 0.02:
            b.set(is_starred=True)
        parent = b.system(b.root())
        if era == "2023":
            if rng.random() < 0.4:
                parent = b.add(
                    parent,
                    "system",
                    text(""),
                    null_time=True,
                    end_turn=True,
                    bare=True,
                    meta={
                        "user_context_message_data": {
                            "about_user_message": _PROFILE,
                            "about_model_message": _INSTRUCTIONS,
                        },
                        "is_user_system_message": True,
                    },
                )
        else:
            parent = b.user_context(parent, _PROFILE, _INSTRUCTIONS)
        if era >= "2025" and rng.random() < 0.15:
            parent = b.memory_context(
                parent,
                [
                    (
                        iso(start - 86400 * (30 + 20 * i))[:10],
                        self.text.prose(topic, rng.randint(40, 120)),
                    )
                    for i in range(rng.randint(2, 8))
                ],
            )
        reasoning = model in _REASONING
        turn = 0
        while len(b.mapping) < n_nodes:
            turn += 1
            if turn % 40 == 0 and rng.random() < 0.5:
                topic = rng.choice(TOPIC_NAMES)
            parent = self._turn(b, parent, lang, topic, reasoning)
        if rng.random() < 0.02:
            last = b.mapping[parent]["message"]
            if last and last["author"]["role"] == "assistant":
                self.feedback.append(
                    {
                        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "conversation_id": b.id,
                        "message_id": parent,
                        "user_id": "user-synthetic",
                        "rating": rng.choice(("thumbsUp", "thumbsDown")),
                        "create_time": iso(b.clock + 60),
                        "workspace_id": None,
                        "content": json.dumps({"tags": [], "text": ""}),
                    }
                )
        return b.finish(parent)

    def _gap(self) -> float:
        rng = self.rng
        if rng.random() < 0.04:
            return rng.uniform(3600, 5 * 86400)
        return rng.uniform(15, 240)

    def _turn(
        self, b: ConversationBuilder, parent: str, lang: str, topic: str, reasoning: bool
    ) -> str:
        rng, gen, era = self.rng, self.text, b.era
        body = gen.user(lang, topic, self._user_chars())
        r = rng.random()
        user_meta: Json | None = None
        content: Any = body
        if r < self.multimodal_rate:
            png = self._pngs[rng.randrange(_N_PNG)]
            pointer, file_id = self._asset("image", era, "png", png)
            content = multimodal(image_part(pointer, len(png), 12, 12), body)
            user_meta = {
                "attachments": [
                    {
                        "id": file_id,
                        "size": len(png),
                        "name": "image.png",
                        "mime_type": "image/png",
                        "width": 12,
                        "height": 12,
                    }
                ]
            }
        elif r < self.multimodal_rate * 1.3 and era >= "2025":
            return self._voice_turn(b, parent, lang, topic)
        if rng.random() < self.edit_rate:
            dead = b.user(parent, content, dt=self._gap(), meta=user_meta)
            b.assistant(dead, gen.assistant(lang, topic, self._assistant_chars() // 2))
            content = gen.user(lang, topic, self._user_chars())
            user_meta = None
        user = b.user(parent, content, dt=self._gap(), meta=user_meta)
        p = user
        if reasoning:
            secs = rng.randint(2, 90)
            p = b.reasoning(
                p,
                [
                    (
                        " ".join(gen.words(topic, 3)).capitalize(),
                        gen.prose(topic, rng.randint(80, 600)),
                    )
                    for _ in range(rng.randint(1, 3))
                ],
                secs,
                recap=f"Thought for {secs}s" if era >= "2025" else f"Thought for {secs} seconds",
            )
        meta: Json | None = None
        r = rng.random()
        if r < self.tool_rate * 0.5:
            p, meta = self._search(b, p, lang, topic)
        elif r < self.tool_rate * 0.75:
            p = self._python(b, p, topic)
        elif r < self.tool_rate * 0.85:
            p = self._image(b, p, topic)
        elif r < self.tool_rate * 0.92 and era >= "2024":
            call = b.add(
                p, "assistant", text(gen.prose(topic, 80)), recipient="bio", end_turn=False
            )
            p = b.tool(call, "bio", text("Model set context updated."), recipient="assistant")
        elif r < self.tool_rate and era >= "2025":
            p = self._canvas(b, p, lang, topic)
        answer_text = gen.assistant(lang, topic, self._assistant_chars())
        if meta:
            answer_text, meta = self._cite(answer_text, meta)
        answer = b.assistant(p, answer_text, meta=meta)
        if rng.random() < self.branch_rate:
            answer = b.assistant(
                user, gen.assistant(lang, topic, self._assistant_chars()), regenerate=True, dt=30.0
            )
        return answer

    def _voice_turn(self, b: ConversationBuilder, parent: str, lang: str, topic: str) -> str:
        rng, gen = self.rng, self.text
        b.new_turn()
        said = "" if rng.random() < 0.05 else gen.user(lang, topic, rng.randint(20, 160))
        pointer, _ = self._asset("audio", b.era, "wav", self._wav)
        vm = {"voice_mode_message": True, "real_time_audio_has_video": False}
        rt: Json = {
            "content_type": "real_time_user_audio_video_asset_pointer",
            "expiry_datetime": None,
            "frames_asset_pointers": [],
            "video_container_asset_pointer": None,
            "audio_asset_pointer": audio_pointer(pointer, len(self._wav), 0.0, 4.0, b.clock),
            "audio_start_timestamp": 0.0,
        }
        user = b.add(
            parent, "user", multimodal(transcription(said, "in"), rt), dt=self._gap(), meta=vm
        )
        answer = gen.assistant(lang, topic, rng.randint(100, 500))
        pointer, _ = self._asset("audio", b.era, "wav", self._wav)
        return b.add(
            user,
            "assistant",
            multimodal(
                transcription(answer, "out"),
                audio_pointer(pointer, len(self._wav), 4.4, 12.0, b.clock),
            ),
            dt=3.0,
            end_turn=True,
            meta=vm,
        )

    def _search(self, b: ConversationBuilder, p: str, lang: str, topic: str) -> tuple[str, Json]:
        rng, gen = self.rng, self.text
        queries = [" ".join(gen.words(topic, rng.randint(3, 6))) for _ in range(rng.randint(1, 2))]
        pages = []
        for _ in range(rng.randint(1, 3)):
            domain = rng.choice(_DOMAINS)
            slug = "-".join(gen.words(topic, 4))
            pages.append(
                {
                    "url": f"https://{domain}/{slug}",
                    "domain": domain,
                    "title": " ".join(gen.words(topic, 5)).title(),
                    "snippet": gen.prose(topic, 120),
                }
            )
        if b.era >= "2025":
            call = b.call(
                p,
                "web.run",
                json.dumps({"search_query": [{"q": q} for q in queries]}),
                language="json",
            )
            for i, page in enumerate(pages):
                call = b.tool(
                    call,
                    "web.run",
                    {
                        "content_type": "sonic_webpage",
                        **page,
                        "text": gen.prose(topic, rng.randint(800, 3000)),
                        "pub_date": None,
                        "crawl_date": iso(b.clock)[:10],
                        "pub_timestamp": None,
                        "ref_id": f"turn0search{i}",
                    },
                    meta={"is_visually_hidden_from_conversation": True},
                )
            return call, {"_pages": pages, "_style": "pua"}
        call = b.call(p, "browser", f'search("{queries[0]}")')
        listing = "\n".join(
            f"# 【{i}†{pg['title']}†{pg['domain']}】\n{pg['snippet']}" for i, pg in enumerate(pages)
        )
        cites = [
            {"type": "webpage", "title": pg["title"], "url": pg["url"], "text": ""} for pg in pages
        ]
        t = b.tool(
            call,
            "browser",
            {
                "content_type": "tether_browsing_display",
                "result": listing,
                "summary": None,
                "assets": None,
                "tether_id": None,
            },
            meta={
                "_cite_metadata": {
                    "citation_format": {"name": "tether_og"},
                    "metadata_list": cites,
                    "original_query": None,
                },
                "command": "search",
                "args": queries[:1],
                "status": "finished",
            },
        )
        click = b.call(t, "browser", "mclick([0])")
        q = b.tool(
            click,
            "browser",
            {
                "content_type": "tether_quote",
                "url": pages[0]["url"],
                "domain": pages[0]["domain"],
                "title": pages[0]["title"],
                "text": gen.prose(topic, rng.randint(200, 900)),
                "tether_id": None,
            },
            meta={"command": "quote", "status": "finished"},
        )
        return q, {"_pages": pages, "_style": "tether"}

    def _cite(self, body: str, meta: Json) -> tuple[str, Json]:
        """Insert citation markers at paragraph ends and index them, era-appropriately."""
        pages, style = meta["_pages"], meta["_style"]
        paragraphs = body.split("\n\n")
        out = ""
        spans: list[Json] = []
        for n, para in enumerate(paragraphs):
            out += ("\n\n" if n else "") + para
            if n < len(pages) or self.rng.random() < 0.3:
                i = n % len(pages)
                marker = (
                    f"\ue200cite\ue202turn0search{i}\ue201"
                    if style == "pua"
                    else f"【{3 + i}†source】"
                )
                spans.append(
                    {"i": i, "start": len(out), "end": len(out) + len(marker), "marker": marker}
                )
                out += marker
        if style == "tether":
            return out, {
                "citations": [
                    {
                        "start_ix": s["start"],
                        "end_ix": s["end"],
                        "citation_format_type": "tether_og",
                        "metadata": {
                            "type": "webpage",
                            "title": pages[s["i"]]["title"],
                            "url": pages[s["i"]]["url"],
                            "text": "",
                            "pub_date": None,
                            "extra": {"cited_message_idx": 3 + s["i"], "evidence_text": "source"},
                        },
                    }
                    for s in spans
                ]
            }
        refs = [
            {
                "matched_text": s["marker"],
                "start_idx": s["start"],
                "end_idx": s["end"],
                "refs": [{"turn_index": 0, "ref_type": "search", "ref_index": s["i"]}],
                "alt": f"([{pages[s['i']]['domain']}]({pages[s['i']]['url']}))",
                "prompt_text": None,
                "type": "grouped_webpages",
                "items": [
                    {
                        "title": pages[s["i"]]["title"],
                        "url": pages[s["i"]]["url"],
                        "pub_date": None,
                        "snippet": pages[s["i"]]["snippet"],
                        "attribution": pages[s["i"]]["domain"],
                    }
                ],
                "status": "done",
                "error": None,
                "style": None,
            }
            for s in spans
        ]
        refs.append(
            {
                "matched_text": " ",
                "start_idx": len(out),
                "end_idx": len(out),
                "refs": [],
                "alt": "",
                "prompt_text": None,
                "type": "sources_footnote",
                "sources": [
                    {"title": pg["title"], "url": pg["url"], "attribution": pg["domain"]}
                    for pg in pages
                ],
            }
        )
        return out, {"content_references": refs}

    def _python(self, b: ConversationBuilder, p: str, topic: str) -> str:
        rng, gen = self.rng, self.text
        names = gen.words("code", 4)
        source = (
            f"import pandas as pd\n\n{names[0]} = pd.read_csv('/mnt/data/{names[1]}.csv')\n"
            f"{names[0]}.groupby('{names[2]}')['{names[3]}'].mean().round(2)"
        )
        output = "\n".join(f"{w:<12}{rng.uniform(0, 500):10.2f}" for w in gen.words(topic, 5))
        call = b.call(p, "python", source, language="python")
        return b.tool(
            call,
            "python",
            {"content_type": "execution_output", "text": output},
            meta={
                "is_complete": True,
                "aggregate_result": {
                    "status": "success",
                    "code": source,
                    "final_expression_output": output,
                    "in_kernel_exception": None,
                    "system_exception": None,
                    "messages": [],
                    "timeout_triggered": None,
                    "start_time": round(b.clock, 6),
                    "end_time": round(b.clock + 1.3, 6),
                },
            },
        )

    def _image(self, b: ConversationBuilder, p: str, topic: str) -> str:
        gen = self.text
        prompt = gen.prose(topic, 160)
        png = self._pngs[self.rng.randrange(_N_PNG)]
        name = "dalle.text2im" if b.era <= "2024" else "t2uay3k.sj1i4kz"
        call = b.call(
            p, name, json.dumps({"prompt": prompt, "size": "1024x1024", "n": 1}), language="json"
        )
        pointer, _ = self._asset("image-gen", b.era, "png", png)
        key = "dalle" if b.era <= "2024" else "generation"
        gen_meta = {
            "gen_id": hex_id(16, pointer),
            "prompt": prompt,
            "seed": None,
            "serialization_title": "DALL-E generation metadata",
        }
        return b.tool(
            call,
            name,
            multimodal(
                image_part(pointer, len(png), 1024, 1024, **{key: gen_meta}, sanitized=False)
            ),
        )

    def _canvas(self, b: ConversationBuilder, p: str, lang: str, topic: str) -> str:
        gen = self.text
        doc_id = hex_id(32, b.id, b.clock)
        title = " ".join(gen.words(topic, 3)).title()
        call = b.call(
            p,
            "canmore.create_textdoc",
            json.dumps(
                {
                    "name": title.lower().replace(" ", "_"),
                    "type": "document",
                    "content": gen.assistant(lang, topic, self._assistant_chars()),
                },
                ensure_ascii=False,
            ),
            language="json",
        )
        return b.tool(
            call,
            "canmore.create_textdoc",
            text(
                f"Successfully created text document '{title}' which will be referenced in all "
                f"future messages with the unique identifier textdoc_id: '{doc_id}'"
            ),
            meta={
                "canvas": {
                    "textdoc_id": doc_id,
                    "textdoc_type": "document",
                    "version": 1,
                    "title": title,
                    "create_source": "model",
                }
            },
        )
