"""The small sample export shipped as ``exports/sample-export.zip``.

Hand-written conversations of one fake user (Mika, an illustrator writing a novel) that
between them cover every feature of shared/export-format.md. ``build_sample`` returns the
conversations, the asset files, the auxiliary JSON files and an index of the conversations
(key -> id, title, features, named node ids) that tests use instead of hard-coded ids.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.synth import companion
from tests.synth.build import (
    WEBP_1X1,
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
    stable_uuid,
    text,
    transcription,
    wav_bytes,
)

PST = 8 * 3600
USER_ID = "user-3fKq8ZsYtV2nW9xLbR7cPd1M"
USER_JSON: Json = {
    "id": USER_ID,
    "email": "mika.sample@example.com",
    "chatgpt_plus_user": True,
    "phone_number": "+15555550142",
    "birth_year": 1991,
    "name": "Mika Sample",
}
PROFILE = (
    "Preferred name: Mika\nRole: Freelance illustrator, writing my first novel\n"
    "Other Information: I live in Portland with my cat Mochi. I'm learning Japanese and I "
    "reread Ursula K. Le Guin every winter."
)
INSTRUCTIONS = (
    "Be warm but honest. When I share writing, say what works before what doesn't. Keep "
    "answers short unless I ask for depth."
)
PROFILE_2023 = (
    "I tutor middle-school science part-time and illustrate children's books. I live in "
    "Portland, Oregon."
)
INSTRUCTIONS_2023 = (
    "Be concise. Use plain language a 12-year-old could follow when I ask for student "
    "materials. Suggest one hands-on activity when it makes sense."
)
PROJECT_NOVEL = "g-p-" + hex_id(32, "project", "lighthouse-novel")
PROJECT_THESIS = "g-p-" + hex_id(32, "project", "copyright-thesis")
CUSTOM_GPT = "g-" + file_service_id("gizmo", "bread-coach")[5:14]
#: Conversations per shard in the sample, chosen so that it has two shards.
SAMPLE_PER_SHARD = 12


@dataclass
class SampleExport:
    """Everything ``write_export`` needs for the sample, plus an index for tests."""

    conversations: list[Json]
    assets: dict[str, bytes]
    aux: dict[str, Any]
    index: dict[str, Json] = field(default_factory=dict)


class _Ctx:
    """Collects assets, the ``.dat`` name map and feedback while conversations are built."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.assets: dict[str, bytes] = {}
        self.dat_names: dict[str, str] = {}
        self.feedback: list[Json] = []

    def builder(self, key: str, title: str | None, start: float, **kw: Any) -> ConversationBuilder:
        return ConversationBuilder(key, seed=self.seed, title=title, start=start, **kw)

    def root_upload(self, name: str, data: bytes) -> str:
        """A root ``file-<id>-<name>`` upload; returns the file id."""
        file_id = file_service_id(self.seed, name)
        self.assets[f"{file_id}-{name}"] = data
        return file_id

    def dat(self, name: str, data: bytes) -> str:
        """A ``<id>.dat`` asset named in the sidecar map; returns the ``file_…`` id."""
        file_id = sediment_id(self.seed, name)
        self.assets[f"{file_id}.dat"] = data
        self.dat_names[f"{file_id}.dat"] = name
        return file_id

    def rate(
        self,
        conv: ConversationBuilder,
        node_key: str,
        rating: str,
        when: float,
        tags: list[str] | None = None,
        note: str = "",
        dashless: bool = False,
    ) -> None:
        conv_id = conv.id.replace("-", "") if dashless else conv.id
        self.feedback.append(
            {
                "id": stable_uuid(self.seed, "feedback", conv.key, node_key),
                "conversation_id": conv_id,
                "message_id": conv.names[node_key],
                "user_id": USER_ID,
                "rating": rating,
                "create_time": iso(when),
                "workspace_id": None,
                "content": json.dumps({"tags": tags or [], "text": note}),
                "evaluation_name": None,
                "evaluation_treatment": None,
                "update_time": iso(when),
            }
        )


Built = tuple[ConversationBuilder | None, Json]
_REGISTRY: list[tuple[str, tuple[str, ...], Callable[[_Ctx], Built]]] = []


Maker = Callable[[_Ctx], Built]


def _sample(key: str, *features: str) -> Callable[[Maker], Maker]:
    def register(fn: Maker) -> Maker:
        _REGISTRY.append((key, features, fn))
        return fn

    return register


def _scaffold(b: ConversationBuilder, *, context: bool = True) -> str:
    """Root, hidden system message and (usually) the custom-instructions node."""
    parent = b.system(b.root())
    if context:
        parent = b.user_context(parent, PROFILE, INSTRUCTIONS)
    return parent


def _project(b: ConversationBuilder, project_id: str) -> None:
    b.set(
        gizmo_id=project_id,
        gizmo_type="snorlax",
        conversation_template_id=project_id,
        memory_scope="project_enabled",
    )


def _cite(*refs: str) -> str:
    return "\ue200cite\ue202" + "\ue202".join(refs) + "\ue201"


# ------------------------------------------------------------------------- writing


@_sample(
    "novel-branches",
    "project",
    "regeneration",
    "edit",
    "current_node_non_first_branch",
    "feedback",
    "custom_instructions",
)
def _novel_branches(cx: _Ctx) -> Built:
    b = cx.builder(
        "novel-branches",
        "Chapter 7 — the lighthouse logbook",
        epoch(2024, 10, 2, 21, 14) + PST,
        era="2024",
        model="gpt-4o",
    )
    _project(b, PROJECT_NOVEL)
    p = _scaffold(b)
    u1 = b.user(
        p,
        (
            "I'm drafting chapter 7 of my novel. Quick context: Elin (17) has kept the lighthouse "
            "on Skarv Island alone since her father drowned. In this chapter the supply boat "
            "doesn't arrive and she has to decide whether to light the lamp with the last of the "
            "oil. Can you draft the opening paragraph? Quiet, close third person, present tense."
        ),
        key="u1",
    )
    a1 = b.assistant(
        u1,
        (
            "Here's an opening to start from:\n\nThe boat does not come on Tuesday. Elin watches "
            "the grey line where the sea turns into sky until the light goes flat and blue, and "
            "then she watches a little longer, because leaving the window would mean admitting "
            "it. Behind her the oil drum sounds hollow when she knocks it, a low note like a word "
            "she doesn't want to say.\n\nI kept the oil drum as the first concrete image so the "
            "stakes arrive before any explanation. Want me to continue into the decision, or "
            "adjust the voice first?"
        ),
        key="a1",
    )
    u2 = b.user(
        a1,
        "Too purple in the middle. Make it quieter — fewer similes, more what she "
        "does with her hands.",
        key="u2",
    )
    b.assistant(
        u2,
        (
            "Quieter version:\n\nThe boat does not come on Tuesday. Elin wipes the window with "
            "her sleeve, though it is already clean, and counts the gulls on the breakwater. Nine. "
            "She knocks on the oil drum. It answers with the same hollow note it gave yesterday."
            "\n\nI cut the sky imagery and kept one sound. Does the gull count feel like a tic?"
        ),
        key="regen_1",
    )
    regen_2 = b.assistant(
        u2,
        (
            "Here's a stripped-back take:\n\nThe boat does not come on Tuesday. Elin stands at the "
            "window until her tea goes cold, then rinses the cup, dries it, and hangs it back on "
            "its hook. She checks the oil drum with the dipstick her father notched with a knife. "
            "Two notches. She writes the number in the logbook, under yesterday's, and does not "
            "do the arithmetic.\n\nThe dipstick and the logbook give her hands something to do, "
            "and 'does not do the arithmetic' lets the reader do it for her."
        ),
        key="regen_2",
        regenerate=True,
        dt=50.0,
    )
    e1 = b.user(
        regen_2,
        "Good. Now continue — she finds a letter from her father hidden in the oil store.",
        key="edit_1",
    )
    b.assistant(
        e1,
        (
            "Here's a continuation:\n\nThe oil store smells of rust and paraffin. Behind the "
            "third drum, wedged into a gap in the stones, Elin finds an envelope gone soft with "
            "damp. Her name is on it in her father's capitals, ELIN, pressed so hard the pen went "
            "through. She does not open it. She puts it in her coat pocket, where it sits against "
            "her ribs all afternoon like a second heartbeat."
        ),
        key="edit_1_answer",
    )
    e2 = b.user(
        regen_2,
        "Good. Now continue — but instead of a letter, she finds her "
        "father's old logbook, the one he kept before she was born.",
        key="edit_2",
        dt=120.0,
    )
    a3 = b.assistant(
        e2,
        (
            "Here's the continuation:\n\nThe logbook is under the oil-store shelf, wrapped in a "
            "feed sack, older than any she has seen. The first entry is dated the winter before "
            "she was born. *Wind NW 6. Lamp lit 15:40. Anna sick again in the mornings.* Elin "
            "reads the line three times. Her mother's name, in her father's hand, in the same "
            "column as the weather. The handwriting leans the way he used to walk, forward, as if "
            "into a gale.\n\nShe carries the book up to the lamp room and reads it by the last of "
            "the daylight, and when the daylight goes she does not light the lamp to keep "
            "reading. She sits in the dark with it open on her knees.\n\nNot lighting the lamp "
            "here quietly sets up the chapter's real decision."
        ),
        key="a3",
    )
    u4 = b.user(
        a3,
        "I love 'the handwriting leans the way he used to walk.' Can you give me "
        "three options for the last line of the chapter?",
        key="u4",
    )
    a4 = b.assistant(
        u4,
        (
            "Three endings, from quietest to most decisive:\n\n1. *At 15:40 she strikes the "
            "match.*\n2. *She writes the date, the wind, and then, in the column for remarks: "
            "Lamp lit. Oil for four nights.*\n3. *She lights the lamp, not for the boats, but so "
            "that someone on the mainland will look up and remember the island is there.*\n\n"
            "The second echoes his logbook format, which would tie the whole chapter together — "
            "that's the one I'd pick."
        ),
        key="current",
    )
    cx.rate(b, "regen_2", "thumbsUp", b.clock + 30)
    cx.rate(
        b, "regen_1", "thumbsDown", b.clock + 40, tags=["not-helpful"], note="Still too mannered."
    )
    return b, b.finish(a4)


@_sample("novel-canvas", "project", "canvas", "custom_instructions")
def _novel_canvas(cx: _Ctx) -> Built:
    b = cx.builder(
        "novel-canvas",
        "Chapter 8 draft in canvas",
        epoch(2025, 5, 18, 20, 3) + PST,
        era="2025",
        model="gpt-4o",
    )
    _project(b, PROJECT_NOVEL)
    p = _scaffold(b)
    textdoc_id = hex_id(32, cx.seed, "textdoc", "chapter-8")
    chapter = (
        "# Chapter 8\n\nThe boat comes on the ninth day, low in the water, and it is not Per "
        "at the wheel. The woman who throws Elin the line is tall and unhurried, with a wool "
        'cap pulled down to her eyebrows.\n\n"Ragna," she says, as if that explains the nine '
        "days.\n\nThey unload the oil together, drum by drum, rolling each one up the slipway "
        "on two planks. Ragna does not ask where Elin's father is. Elin does not ask where Per "
        'is. Halfway through, Ragna straightens, looks up at the lamp, and says, "On the '
        "mainland they say nobody needs this light anymore. They say the ships have "
        'satellites."\n\nElin keeps rolling the drum.'
    )
    u1 = b.user(
        p,
        (
            "Let's move chapter 8 into canvas. Start with the scene where the supply boat finally "
            "arrives and it's not the usual skipper — it's a woman Elin has never seen, Ragna, "
            "who says the mainland has forgotten the light."
        ),
        key="u1",
    )
    c1 = b.call(
        u1,
        "canmore.create_textdoc",
        json.dumps(
            {"name": "chapter_8_ragna", "type": "document", "content": chapter}, ensure_ascii=False
        ),
        language="json",
        key="create_call",
        dt=14.0,
    )
    canvas = {
        "textdoc_id": textdoc_id,
        "textdoc_type": "document",
        "version": 1,
        "title": "Chapter 8 Ragna",
        "create_source": "model",
    }
    t1 = b.tool(
        c1,
        "canmore.create_textdoc",
        text(
            "Successfully created text document 'Chapter 8 Ragna' which will be referenced in all "
            f"future messages with the unique identifier textdoc_id: '{textdoc_id}'"
        ),
        key="create_result",
        meta={"canvas": canvas},
    )
    a1 = b.assistant(
        t1,
        (
            "I've started chapter 8 in the canvas — Ragna arrives, the oil comes off the boat, "
            "and she delivers the line about the mainland forgetting the light. Want me to keep "
            "going into the evening, or tune this scene first?"
        ),
        key="a1",
        meta={"canvas": canvas},
    )
    u2 = b.user(
        a1,
        "Change the ending: Ragna shouldn't explain anything. She just hands over "
        "the oil and asks for a cup of coffee.",
        key="u2",
    )
    c2 = b.call(
        u2,
        "canmore.update_textdoc",
        json.dumps(
            {
                "updates": [
                    {
                        "pattern": "Halfway through, Ragna straightens.*",
                        "multiple": False,
                        "replacement": (
                            "When the last drum is in, Ragna wipes her hands on her trousers and looks at the "
                            'kettle on the stove.\n\n"Coffee," she says. It is not quite a question.\n\n'
                            "Elin fills the kettle."
                        ),
                    }
                ]
            },
            ensure_ascii=False,
        ),
        language="json",
        key="update_call",
        dt=11.0,
    )
    t2 = b.tool(
        c2,
        "canmore.update_textdoc",
        text(f"Successfully updated text document with textdoc_id '{textdoc_id}'"),
        key="update_result",
        meta={"canvas": {**canvas, "version": 2}},
    )
    a2 = b.assistant(
        t2,
        (
            "Done — Ragna no longer explains. The scene now ends on coffee and Elin filling the "
            "kettle, which leaves the question of the mainland hanging for a later chapter."
        ),
        key="current",
        meta={"canvas": {**canvas, "version": 2}},
    )
    return b, b.finish(a2)


# ------------------------------------------------------------------------- research

_SOURCES = [
    {
        "url": "https://copyright-notes.example.com/warhol-goldsmith-factor-one",
        "domain": "copyright-notes.example.com",
        "title": "Warhol v. Goldsmith and the first fair-use factor",
        "pub_date": "2023-05-19",
        "snippet": "The Court asked whether the specific use at issue shares the purpose of the "
        "original, and weighed commerciality against the degree of difference.",
        "text": (
            "In Andy Warhol Foundation for the Visual Arts v. Goldsmith (2023), the Supreme "
            "Court held that the first fair-use factor did not favour the Foundation's 2016 "
            "licensing of an image of Prince to a magazine. The opinion focuses on the "
            "purpose and character of the specific use being challenged, not on the artwork "
            "in the abstract.\n\nA use that shares the purpose of the original and is "
            "commercial will need a strong justification. New meaning or message alone does "
            "not make a use transformative; the question is whether the use has a further "
            "purpose or different character, a matter of degree weighed against "
            "commerciality.\n\nCommentators read the decision as narrowing, not abolishing, "
            "transformative use: uses that serve a genuinely different function remain "
            "strong candidates under factor one."
        ),
    },
    {
        "url": "https://lawreview.example.edu/2025/ai-training-fair-use-district-courts",
        "domain": "lawreview.example.edu",
        "title": "Two district courts on AI training and fair use (2025)",
        "pub_date": "2025-07-02",
        "snippet": "Both rulings treated training on lawfully acquired books as highly "
        "transformative, but disagreed about market dilution.",
        "text": (
            "In June 2025 two judges in the Northern District of California ruled on "
            "summary-judgment motions about training large language models on books. Both "
            "described training as highly transformative: the models learn statistical "
            "patterns in order to generate new text rather than to reproduce the works.\n\n"
            "The rulings diverged on market harm. One treated the risk that model outputs "
            "dilute the market for human-written books as speculative on the record; the "
            "other suggested such dilution could weigh heavily under factor four in a "
            "better-developed case.\n\nNeither ruling approved assembling a permanent "
            "library from pirated copies; how the copies were acquired was analysed "
            "separately from the training use."
        ),
    },
]


def _sonic(src: Json, i: int, when: float) -> Json:
    return {
        "content_type": "sonic_webpage",
        "url": src["url"],
        "domain": src["domain"],
        "title": src["title"],
        "text": src["text"],
        "snippet": src["snippet"],
        "pub_date": src["pub_date"],
        "crawl_date": iso(when)[:10],
        "pub_timestamp": epoch(*map(int, src["pub_date"].split("-"))),
        "ref_id": f"turn0search{i}",
    }


def _with_references(pieces: list[str | tuple[str, ...]]) -> tuple[str, list[Json]]:
    """Join text pieces and PUA markers (tuples of ref ids); index the markers."""
    out = ""
    refs: list[Json] = []
    for piece in pieces:
        if isinstance(piece, str):
            out += piece
            continue
        marker = _cite(*piece)
        ref_sources = [_SOURCES[int(r.removeprefix("turn0search"))] for r in piece]
        refs.append(
            {
                "matched_text": marker,
                "start_idx": len(out),
                "end_idx": len(out) + len(marker),
                "safe_urls": [s["url"] for s in ref_sources],
                "refs": [
                    {"turn_index": 0, "ref_type": "search", "ref_index": int(r[-1])} for r in piece
                ],
                "alt": " ".join(f"([{s['domain']}]({s['url']}))" for s in ref_sources),
                "prompt_text": None,
                "type": "grouped_webpages",
                "items": [
                    {
                        "title": s["title"],
                        "url": s["url"],
                        "pub_date": s["pub_date"],
                        "snippet": s["snippet"],
                        "attribution_segments": None,
                        "supporting_websites": [],
                        "refs": [
                            {"turn_index": 0, "ref_type": "search", "ref_index": _SOURCES.index(s)}
                        ],
                        "hue": None,
                        "attributions": None,
                        "attribution": s["domain"],
                    }
                    for s in ref_sources
                ],
                "fallback_items": None,
                "status": "done",
                "error": None,
                "style": None,
            }
        )
        out += marker
    refs.append(
        {
            "matched_text": " ",
            "start_idx": len(out),
            "end_idx": len(out),
            "safe_urls": [],
            "refs": [],
            "alt": "",
            "prompt_text": None,
            "type": "sources_footnote",
            "sources": [
                {"title": s["title"], "url": s["url"], "attribution": s["domain"]} for s in _SOURCES
            ],
            "has_images": False,
        }
    )
    return out, refs


@_sample(
    "legal-fair-use",
    "project",
    "gpt-5-thinking",
    "no_message_model_slug",
    "reasoning",
    "web.run",
    "sonic_webpage",
    "pua_citations",
    "content_references",
    "custom_instructions",
)
def _legal_fair_use(cx: _Ctx) -> Built:
    b = cx.builder(
        "legal-fair-use",
        "Fair use — is model training transformative?",
        epoch(2026, 2, 9, 10, 30) + PST,
        era="2026",
        model="gpt-5-thinking",
    )
    _project(b, PROJECT_THESIS)
    p = _scaffold(b)
    u1 = b.user(
        p,
        (
            "I'm writing the doctrinal section of my thesis. I want to argue that training a model "
            "on copyrighted books can be transformative under factor one, but I need to deal "
            "honestly with Warhol v. Goldsmith. What's the current state of the case law? Please "
            "cite sources."
        ),
        key="u1",
    )
    r1 = b.reasoning(
        u1,
        [
            (
                "Scoping the question",
                "The user needs the post-Warhol state of factor one as applied to training on books, "
                "with sources. I should find a reliable summary of Warhol's holding and of the 2025 "
                "district court rulings on model training.",
            ),
            (
                "Planning the search",
                "Two searches: Warhol v. Goldsmith and factor one; the 2025 rulings on AI training "
                "and fair use for books.",
            ),
        ],
        9,
        key="r1",
    )
    c1 = b.call(
        r1,
        "web.run",
        json.dumps(
            {
                "search_query": [
                    {"q": "Warhol v. Goldsmith first factor transformative use"},
                    {"q": "2025 district court fair use AI training books ruling"},
                ],
                "response_length": "short",
            }
        ),
        language="json",
        key="search_call",
    )
    t = c1
    for i, src in enumerate(_SOURCES):
        t = b.tool(
            t,
            "web.run",
            _sonic(src, i, b.clock),
            key=f"page_{i}",
            meta={"is_visually_hidden_from_conversation": True},
        )
    body, refs = _with_references(
        [
            'Short version: after *Warhol*, "transformative" is no longer a magic word. Factor '
            "one asks whether the specific use has a further purpose or different character, "
            "weighed against its commercial nature and whether it substitutes for the original. ",
            ("turn0search0",),
            "\n\nFor model training, two 2025 rulings from the Northern District of California are "
            "the ones reviewers will expect you to discuss. Both treated training on lawfully "
            "acquired books as highly transformative, but they diverged on how much weight market "
            "dilution deserves, and neither approved building a library from pirated copies. ",
            ("turn0search1",),
            "\n\nA defensible framing for your section:\n\n1. **Purpose, not content.** Training "
            "extracts statistical patterns to build a general tool; it does not present the "
            "books' expression to readers. That is the kind of further purpose *Warhol* still "
            "recognises. ",
            ("turn0search0", "turn0search1"),
            "\n2. **Substitution is the weak point.** The argument gets weaker wherever outputs can "
            "stand in for the originals in their market; meet that head-on rather than in a "
            "footnote.\n3. **Acquisition is separate.** Keep how the copies were obtained apart "
            "from what training does with them.\n\nWant me to draft the counterargument section "
            "next?",
        ]
    )
    groups = [
        {
            "type": "search_result_group",
            "domain": s["domain"],
            "entries": [
                {
                    "type": "search_result",
                    "url": s["url"],
                    "title": s["title"],
                    "snippet": s["snippet"],
                    "ref_id": {"turn_index": 0, "ref_type": "search", "ref_index": i},
                    "pub_date": epoch(*map(int, s["pub_date"].split("-"))),
                    "attribution": s["domain"],
                }
            ],
        }
        for i, s in enumerate(_SOURCES)
    ]
    a1 = b.assistant(
        t,
        body,
        key="cited_answer",
        meta={
            "content_references": refs,
            "search_result_groups": groups,
            "search_queries": [
                {"type": "search", "q": q}
                for q in (
                    "Warhol v. Goldsmith first factor transformative use",
                    "2025 district court fair use AI training books ruling",
                )
            ],
        },
    )
    u2 = b.user(
        a1,
        "Can you turn that into a one-paragraph thesis statement I can defend? Don't overclaim.",
        key="u2",
    )
    r2 = b.reasoning(
        u2,
        [
            (
                "Drafting a careful claim",
                "Commit to the purpose argument, concede the substitution limit.",
            )
        ],
        4,
        key="r2",
    )
    a2 = b.assistant(
        r2,
        (
            "Here's a version that stays inside what the cases support:\n\n> Training a language "
            "model on lawfully acquired books can qualify as a transformative use under the first "
            "fair-use factor, because the use extracts statistical regularities to build a "
            "general-purpose tool rather than communicating the books' expression to readers; "
            "after *Warhol*, however, that purpose favours fair use only to the extent that the "
            "model's outputs do not substitute for the works in their original markets.\n\nIt "
            "commits you to the purpose argument and concedes the substitution limit up front, "
            "which is where reviewers will push anyway."
        ),
        key="a2",
    )
    u3 = b.user(a2, "What's the strongest counterargument a reviewer would raise?", key="u3")
    r3 = b.reasoning(
        u3,
        [
            (
                "Steelmanning the reviewer",
                "Market dilution under factor four is the strongest objection.",
            )
        ],
        7,
        key="r3",
    )
    a3 = b.assistant(
        r3,
        (
            "Market dilution. Even if no single output copies a book, a model trained on an "
            "author's work can flood the market with substitutes in the same genre and style, and "
            "factor four may then outweigh a transformative purpose. Expect the question: does "
            "'transformative' do any work once that harm is shown?\n\nAnswer it by separating "
            "(a) substitution for the specific works, which records rarely show, from "
            "(b) competition with the author's future output, which copyright has traditionally "
            "not protected against — and be candid that courts have not settled (b)."
        ),
        key="current",
    )
    return b, b.finish(a3)


@_sample(
    "thesis-outline",
    "project",
    "gpt-5-thinking",
    "no_message_model_slug",
    "reasoning",
    "custom_instructions",
)
def _thesis_outline(cx: _Ctx) -> Built:
    b = cx.builder(
        "thesis-outline",
        "Thesis outline — authorship chapter",
        epoch(2026, 1, 20, 15, 0) + PST,
        era="2026",
        model="gpt-5-thinking",
    )
    _project(b, PROJECT_THESIS)
    p = _scaffold(b)
    u1 = b.user(
        p,
        "Give me a tight outline for the authorship chapter: who is the author when "
        "a model writes from a human's prompts?",
        key="u1",
    )
    r1 = b.reasoning(
        u1,
        [
            (
                "Structuring the chapter",
                "Doctrine first (human authorship), then the prompt problem, then "
                "selection and arrangement, then policy.",
            )
        ],
        6,
        key="r1",
    )
    a1 = b.assistant(
        r1,
        (
            "**Chapter 3 — Authorship**\n\n1. The human-authorship requirement: where it comes "
            "from and how the Copyright Office applies it\n2. *Thaler v. Perlmutter*: a machine "
            "cannot be an author\n3. Prompts as instructions vs. prompts as expression\n4. "
            "Selection, arrangement and editing: the human contribution that survives\n5. "
            "Comparative note: UK computer-generated works\n6. What the doctrine should do next"
        ),
        key="a1",
    )
    u2 = b.user(a1, "Move Thaler earlier — it should open the chapter.", key="u2")
    r2 = b.reasoning(
        u2, [("Reordering", "Open with Thaler as the hook, then doctrine.")], 3, key="r2"
    )
    a2 = b.assistant(
        r2,
        (
            "**Chapter 3 — Authorship**\n\n1. Opening: *Thaler v. Perlmutter* and the machine "
            "that applied for a copyright\n2. The human-authorship requirement behind the "
            "decision\n3. Prompts as instructions vs. prompts as expression\n4. Selection, "
            "arrangement and editing\n5. Comparative note: UK computer-generated works\n6. What the "
            "doctrine should do next"
        ),
        key="current",
    )
    return b, b.finish(a2)


_CAMPBELL_QUOTE = (
    "The central purpose of this investigation is to see, in Justice Story's words, whether "
    'the new work merely "supersede[s] the objects" of the original creation, or instead '
    "adds something new, with a further purpose or different character, altering the first "
    "with new expression, meaning, or message; it asks, in other words, whether and to what "
    'extent the new work is "transformative."'
)


@_sample(
    "browse-2023",
    "2023",
    "gpt-4-browsing",
    "browser",
    "tether_browsing_display",
    "tether_quote",
    "tether_og_citations",
    "non_topological_mapping",
)
def _browse_2023(cx: _Ctx) -> Built:
    b = cx.builder(
        "browse-2023",
        "Campbell v. Acuff-Rose — parody and fair use",
        epoch(2023, 6, 14, 9, 5) + PST,
        era="2023",
        model="gpt-4-browsing",
    )
    p = b.system(b.root())
    u1 = b.user(
        p,
        "What did the Supreme Court say about parody in Campbell v. Acuff-Rose? I "
        "need the holding and the page cite for the 'transformative' language.",
        key="u1",
    )
    query = "Campbell v. Acuff-Rose 510 U.S. 569 transformative parody"
    c1 = b.call(u1, "browser", f'search("{query}")', key="search_call")
    pages = [
        (
            "Campbell v. Acuff-Rose Music, Inc., 510 U.S. 569 (1994)",
            "caselaw.example.org",
            "https://caselaw.example.org/us/510/569/",
        ),
        (
            "Parody and fair use: a primer",
            "copyright-notes.example.com",
            "https://copyright-notes.example.com/parody-primer",
        ),
        (
            "Oh, Pretty Woman and the Supreme Court",
            "music-law.example.net",
            "https://music-law.example.net/pretty-woman-case",
        ),
    ]
    listing = "\n".join(
        f"# 【{i}†{title}†{domain}】\n{blurb}"
        for i, ((title, domain, _), blurb) in enumerate(
            zip(
                pages,
                [
                    "The Court held that a commercial parody may be a fair use and reversed the "
                    "Sixth Circuit.",
                    "Why parody gets more room to borrow than other commentary, with examples.",
                    "How 2 Live Crew's version of a Roy Orbison song reached the Supreme Court.",
                ],
                strict=True,
            )
        )
    )
    cite_list = [{"type": "webpage", "title": t, "url": u, "text": ""} for t, _, u in pages]
    t1 = b.tool(
        c1,
        "browser",
        {
            "content_type": "tether_browsing_display",
            "result": listing,
            "summary": None,
            "assets": None,
            "tether_id": None,
        },
        key="search_result",
        meta={
            "_cite_metadata": {
                "citation_format": {"name": "tether_og"},
                "metadata_list": cite_list,
                "original_query": None,
            },
            "command": "search",
            "args": [query],
            "status": "finished",
            "is_complete": True,
        },
    )
    c2 = b.call(t1, "browser", "mclick([0, 1])", key="click_call")
    t2 = b.tool(
        c2,
        "browser",
        {
            "content_type": "tether_quote",
            "url": pages[0][2],
            "domain": pages[0][1],
            "text": _CAMPBELL_QUOTE,
            "title": pages[0][0],
            "tether_id": None,
        },
        key="quote_0",
        meta={"command": "quote", "status": "finished", "is_complete": True},
    )
    t3 = b.tool(
        t2,
        "browser",
        {
            "content_type": "tether_quote",
            "url": pages[1][2],
            "domain": pages[1][1],
            "text": "Parody needs to mimic an original to make its point, and so has some claim to "
            "use the creation of its victim's imagination.",
            "title": pages[1][0],
            "tether_id": None,
        },
        key="quote_1",
        meta={"command": "quote", "status": "finished", "is_complete": True},
    )
    segments = [
        "In *Campbell v. Acuff-Rose Music, Inc.*, 510 U.S. 569 (1994), the Court held that 2 "
        "Live Crew's commercial parody of Roy Orbison's \"Oh, Pretty Woman\" could be a fair "
        "use, and that the Sixth Circuit erred by treating its commercial character as "
        "presumptively unfair",
        "【3†source】",
        '.\n\nThe "transformative" language is at 510 U.S. 579: the inquiry asks whether the '
        'new work "merely supersede[s] the objects" of the original or "adds something new, '
        'with a further purpose or different character"',
        "【4†source】",
        ". The Court also explained that parody must mimic its original to make its point, so "
        "it may borrow more than other forms of commentary",
        "【5†source】",
        ".",
    ]
    body = ""
    citations = []
    for seg in segments:
        if seg.startswith("【"):
            idx = int(seg[1])
            page = pages[0] if idx < 5 else pages[1]
            citations.append(
                {
                    "start_ix": len(body),
                    "end_ix": len(body) + len(seg),
                    "citation_format_type": "tether_og",
                    "metadata": {
                        "type": "webpage",
                        "title": page[0],
                        "url": page[2],
                        "text": "",
                        "pub_date": None,
                        "extra": {
                            "cited_message_idx": idx,
                            "search_result_idx": None,
                            "evidence_text": "source",
                        },
                    },
                }
            )
        body += seg
    a1 = b.assistant(
        t3,
        body,
        key="cited_answer",
        meta={
            "citations": citations,
            "_cite_metadata": {
                "citation_format": {"name": "tether_og"},
                "metadata_list": cite_list[:2],
                "original_query": None,
            },
        },
    )
    conv = b.finish(a1)
    # Real exports sometimes list a child before its root; keep one such case in the sample.
    conv["mapping"] = dict(reversed(list(conv["mapping"].items())))
    return b, conv


_BOOKS = [
    ("The Left Hand of Darkness", "Ursula K. Le Guin"),
    ("Middlemarch", "George Eliot"),
    ("Moby-Dick", "Herman Melville"),
    ("Persuasion", "Jane Austen"),
    ("The Dispossessed", "Ursula K. Le Guin"),
    ("Bleak House", "Charles Dickens"),
    ("The Waves", "Virginia Woolf"),
    ("A Wizard of Earthsea", "Ursula K. Le Guin"),
    ("The Age of Innocence", "Edith Wharton"),
    ("Kokoro", "Natsume Soseki"),
    ("Villette", "Charlotte Bronte"),
    ("The Moonstone", "Wilkie Collins"),
    ("North and South", "Elizabeth Gaskell"),
    ("Silas Marner", "George Eliot"),
    ("The Tale of Genji", "Murasaki Shikibu"),
    ("Jude the Obscure", "Thomas Hardy"),
    ("Sense and Sensibility", "Jane Austen"),
    ("Lathe of Heaven", "Ursula K. Le Guin"),
]
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _reading_log(seed: int) -> tuple[bytes, dict[int, int], list[tuple[str, int]], float, float]:
    rng = random.Random(f"{seed}/reading-log")
    rows = ["title,author,finished,pages,rating"]
    per_year: dict[int, int] = {}
    per_month = [0] * 12
    long_r: list[int] = []
    short_r: list[int] = []
    for year, count in ((2020, 23), (2021, 31), (2022, 27)):
        days = sorted(rng.sample(range(365), count))
        for day in days:
            title, author = rng.choice(_BOOKS)
            pages = rng.randrange(140, 900)
            rating = rng.choice((3, 4, 4, 5, 5)) if pages > 400 else rng.choice((2, 3, 4, 4, 5))
            month = min(11, day * 12 // 365)
            date = f"{year}-{month + 1:02d}-{day % 28 + 1:02d}"
            rows.append(f'"{title}",{author},{date},{pages},{rating}')
            per_year[year] = per_year.get(year, 0) + 1
            per_month[month] += 1
            (long_r if pages > 400 else short_r).append(rating)
    top = sorted(((_MONTHS[m], n) for m, n in enumerate(per_month)), key=lambda x: (-x[1], x[0]))
    return (
        ("\n".join(rows) + "\n").encode(),
        per_year,
        top[:3],
        round(sum(long_r) / len(long_r), 2),
        round(sum(short_r) / len(short_r), 2),
    )


def _aggregate(b: ConversationBuilder, source: str, output: str, key: str) -> Json:
    start = round(b.clock + 0.4, 6)
    msg_id = stable_uuid(b.seed, b.key, "jupyter", key)
    header = {"msg_id": msg_id, "version": "5.3"}
    return {
        "status": "success",
        "run_id": stable_uuid(b.seed, b.key, "run", key),
        "start_time": start,
        "update_time": round(start + 1.1, 6),
        "code": source,
        "end_time": round(start + 1.2, 6),
        "final_expression_output": output,
        "in_kernel_exception": None,
        "system_exception": None,
        "messages": [],
        "jupyter_messages": [
            {"msg_type": "status", "parent_header": header, "content": {"execution_state": "busy"}},
            {"msg_type": "execute_input", "parent_header": header},
            {
                "msg_type": "execute_result",
                "parent_header": header,
                "content": {"data": {"text/plain": output}},
            },
            {"msg_type": "status", "parent_header": header, "content": {"execution_state": "idle"}},
        ],
        "timeout_triggered": None,
    }


@_sample(
    "python-analysis",
    "2023",
    "gpt-4-code-interpreter",
    "python",
    "execution_output",
    "aggregate_result",
    "attachment_camelcase",
    "root_upload_csv",
    "feedback_dashless_conversation_id",
)
def _python_analysis(cx: _Ctx) -> Built:
    b = cx.builder(
        "python-analysis",
        "Reading log stats",
        epoch(2023, 9, 3, 11, 0) + PST,
        era="2023",
        model="gpt-4-code-interpreter",
    )
    csv, per_year, top, long_avg, short_avg = _reading_log(cx.seed)
    file_id = cx.root_upload("reading_log.csv", csv)
    p = b.system(b.root())
    u1 = b.user(
        p,
        "Here's my reading log from the last three years. How many books per year, "
        "and which month do I read the most?",
        key="u1",
        meta={
            "attachments": [
                {
                    "name": "reading_log.csv",
                    "id": file_id,
                    "size": len(csv),
                    "mimeType": "text/csv",
                    "fileSizeTokens": 1630,
                }
            ]
        },
    )
    src1 = (
        "import pandas as pd\n\ndf = pd.read_csv('/mnt/data/reading_log.csv', "
        "parse_dates=['finished'])\ndf['year'] = df['finished'].dt.year\n"
        "df.groupby('year').size()"
    )
    out1 = (
        "year\n" + "\n".join(f"{y}    {n}" for y, n in sorted(per_year.items())) + "\ndtype: int64"
    )
    c1 = b.call(u1, "python", src1, language="python", key="code_1", dt=6.0)
    t1 = b.tool(
        c1,
        "python",
        {"content_type": "execution_output", "text": out1},
        key="output_1",
        meta={"is_complete": True, "aggregate_result": _aggregate(b, src1, out1, "1")},
    )
    src2 = "df['finished'].dt.month_name().value_counts().head(3)"
    width = max(len(m) for m, _ in top)
    out2 = (
        "finished\n"
        + "\n".join(f"{m.ljust(width)}    {n}" for m, n in top)
        + "\nName: count, dtype: int64"
    )
    c2 = b.call(t1, "python", src2, language="python", key="code_2")
    t2 = b.tool(
        c2,
        "python",
        {"content_type": "execution_output", "text": out2},
        key="output_2",
        meta={"is_complete": True, "aggregate_result": _aggregate(b, src2, out2, "2")},
    )
    years = sorted(per_year.items())
    a1 = b.assistant(
        t2,
        (
            f"You finished {sum(per_year.values())} books over three years: "
            + ", ".join(f"{n} in {y}" for y, n in years[:-1])
            + f" and {years[-1][1]} in {years[-1][0]}. Your biggest reading month overall is "
            f"{top[0][0]} ({top[0][1]} books), followed by {top[1][0]} and {top[2][0]}."
        ),
        key="a1",
    )
    u2 = b.user(a1, "Nice. Anything surprising?", key="u2")
    a2 = b.assistant(
        u2,
        (
            f"One thing stands out: books over 400 pages get a higher average rating from you "
            f"({long_avg}) than shorter ones ({short_avg}). Once you commit to a long book, you "
            "tend to love it."
        ),
        key="current",
    )
    cx.rate(b, "current", "thumbsUp", b.clock + 20, dashless=True)
    return b, b.finish(a2)


@_sample("custom-instructions-2023", "2023", "gpt-4", "user_context_message_data")
def _custom_instructions_2023(cx: _Ctx) -> Built:
    b = cx.builder(
        "custom-instructions-2023",
        "Photosynthesis lesson plan for 7th grade",
        epoch(2023, 8, 21, 9, 15) + PST,
        era="2023",
        model="gpt-4",
    )
    custom = {
        "user_context_message_data": {
            "about_user_message": PROFILE_2023,
            "about_model_message": INSTRUCTIONS_2023,
        },
        "is_user_system_message": True,
    }
    ci = b.add(
        b.root(),
        "system",
        text(""),
        null_time=True,
        end_turn=True,
        key="custom_instructions",
        meta=custom,
        bare=True,
    )
    u1 = b.user(
        ci,
        "Plan a 45-minute lesson on photosynthesis for my 7th graders. They've done "
        "cells but not chemistry.",
        key="u1",
    )
    a1 = b.assistant(
        u1,
        (
            '**Photosynthesis in 45 minutes**\n\n**Warm-up (5 min):** Ask: "Where does a tree get '
            'the stuff to build its wood?" Collect guesses — most will say the soil.\n\n**Mini-'
            "lesson (15 min):** Plants take in carbon dioxide from the air and water from the "
            "soil, and use light energy to turn them into sugar. Oxygen is the leftover. The "
            "'stuff' of the tree comes mostly from the air!\n\n**Hands-on (20 min):** Leaf-disk "
            "float: punch disks from spinach leaves, sink them in baking-soda water, and put them "
            "under a lamp. As they photosynthesise they make oxygen and float up. Students count "
            "floating disks every minute.\n\n**Wrap-up (5 min):** Revisit the warm-up question."
        ),
        key="a1",
    )
    u2 = b.user(a1, "Can you turn the warm-up into an exit ticket with 3 questions?", key="u2")
    a2 = b.assistant(
        u2,
        (
            "**Exit ticket**\n\n1. Where does most of a tree's mass come from?\n2. Name the two "
            "ingredients a plant needs for photosynthesis, besides light.\n3. Why did the leaf "
            "disks float?"
        ),
        key="current",
    )
    return b, b.finish(a2)


# ------------------------------------------------------------------------- design & media


@_sample(
    "logo-design",
    "upload",
    "image_asset_pointer",
    "attachments",
    "root_upload_png",
    "dalle.text2im",
    "dalle_generations_asset",
    "custom_instructions",
)
def _logo_design(cx: _Ctx) -> Built:
    b = cx.builder(
        "logo-design",
        "Logo for Fern & Fog tea shop",
        epoch(2024, 11, 7, 14, 20) + PST,
        era="2024",
        model="gpt-4o",
    )
    sketch = png_bytes(48, 48, "fern-fog-sketch")
    upload_id = cx.root_upload("fern-fog-sketch.png", sketch)
    p = _scaffold(b)
    u1 = b.user(
        p,
        multimodal(
            image_part(f"file-service://{upload_id}", len(sketch), 48, 48),
            "This is my rough sketch for a tea shop logo — Fern & Fog. A fern frond curling into a "
            "wisp of steam. What's working and what isn't?",
        ),
        key="upload",
        meta={
            "attachments": [
                {
                    "id": upload_id,
                    "size": len(sketch),
                    "name": "fern-fog-sketch.png",
                    "mime_type": "image/png",
                    "width": 48,
                    "height": 48,
                }
            ]
        },
    )
    a1 = b.assistant(
        u1,
        (
            "There's a lovely idea here — the frond turning into steam reads immediately, and it "
            "says 'tea' without a cup. What isn't working yet: the frond has eleven leaflets, which "
            "will turn to mush at small sizes, and the steam and the frond share one line weight, "
            "so the eye can't tell where one becomes the other. Try five to seven leaflets and let "
            "the line thin out as it becomes steam."
        ),
        key="a1",
    )
    u2 = b.user(
        a1, "Can you generate a cleaner version? Flat, two colours, sage and charcoal.", key="u2"
    )
    prompt = (
        "Flat minimalist logo for a tea shop named 'Fern & Fog': a single fern frond with seven "
        "leaflets whose tip curls into a wisp of steam, two colours only (sage green and "
        "charcoal), clean vector style, centered on an off-white background, no gradients"
    )
    c1 = b.call(
        u2,
        "dalle.text2im",
        json.dumps({"prompt": prompt, "size": "1024x1024", "n": 1}, indent=2),
        language="json",
        key="dalle_call",
    )
    gen_id = file_service_id(cx.seed, "gen")[5:21]
    dalle_id = file_service_id(cx.seed, "dalle", "fern-fog")
    cx.assets[f"dalle-generations/{dalle_id}-{stable_uuid(cx.seed, 'dalle-file')}.webp"] = WEBP_1X1
    dalle = {
        "gen_id": gen_id,
        "prompt": prompt,
        "seed": 1843092771,
        "parent_gen_id": None,
        "edit_op": None,
        "serialization_title": "DALL-E generation metadata",
    }
    t1 = b.tool(
        c1,
        "dalle.text2im",
        multimodal(
            image_part(
                f"file-service://{dalle_id}",
                len(WEBP_1X1),
                1024,
                1024,
                dalle=dalle,
                sanitized=False,
            ),
        ),
        key="dalle_image",
        dt=18.0,
        meta={"dalle": dalle},
    )
    t2 = b.tool(
        t1,
        "dalle.text2im",
        text(
            "\nDALL·E displayed 1 images. The images are already plainly visible, so don't repeat "
            "the descriptions in detail. Do not list download links as they are available in the "
            "ChatGPT UI already. The user may download the images by clicking on them, but do not "
            "mention anything about downloading to the user."
        ),
        key="dalle_note",
        meta={"is_visually_hidden_from_conversation": True},
    )
    a2 = b.assistant(
        t2,
        (
            "Here's a first direction: a seven-leaflet frond in sage whose tip dissolves into a "
            "charcoal curl of steam. If you like it, the next step is testing it at 32 pixels and "
            "on a paper cup sleeve."
        ),
        key="a2",
    )
    u3 = b.user(a2, "Love the steam. Can the wordmark be a serif?", key="u3")
    a3 = b.assistant(
        u3,
        (
            "Yes — a soft, low-contrast serif will echo the organic curve better than a geometric "
            "sans. Try a humanist old-style with open counters, set in charcoal with generous "
            "letter-spacing, and keep 'Fern & Fog' on one line with the ampersand in sage so it "
            "links back to the frond."
        ),
        key="current",
    )
    return b, b.finish(a3)


@_sample("palette", "gpt-4o")
def _palette(cx: _Ctx) -> Built:
    b = cx.builder(
        "palette",
        "Color palette for a picture book about a fox",
        epoch(2024, 12, 28, 10, 40) + PST,
        era="2024",
        model="gpt-4o",
    )
    p = _scaffold(b)
    u1 = b.user(
        p,
        "I need a 5-colour palette for a picture book about a fox crossing a city "
        "at dusk. Moody but not sad.",
        key="u1",
    )
    a1 = b.assistant(
        u1,
        (
            "Dusk with a warm heart:\n\n- **Dusky violet** #5B4B7A — shadows\n- **Slate blue** "
            "#4F6D8A — sky and buildings\n- **Fox orange** #D9783B — the fox, and only the fox\n- "
            "**Lantern gold** #F2C879 — windows, lamps, one per spread\n- **Fog white** #EDE8E1 — "
            "paper, breathing room\n\nKeeping orange exclusive to the fox makes him easy to find "
            "on every page."
        ),
        key="current",
    )
    return b, b.finish(a1)


@_sample(
    "voice-chat",
    "voice",
    "audio_transcription",
    "real_time_user_audio_video_asset_pointer",
    "audio_asset_pointer",
    "empty_transcription",
    "wav_dat_assets",
)
def _voice_chat(cx: _Ctx) -> Built:
    b = cx.builder(
        "voice-chat",
        "Evening walk voice chat",
        epoch(2025, 1, 19, 17, 40) + PST,
        era="2025",
        model="gpt-4o",
    )
    b.set(voice="juniper")
    p = _scaffold(b)
    turns = [
        (
            "Hey, I'm out walking by the river. Can you keep me company for a bit?",
            "Of course! I'd love to. How's the river looking this evening — still high from all "
            "the rain?",
        ),
        (
            "",
            "Sorry, I didn't quite catch that — the wind might have taken it. Could you say "
            "it again?",
        ),
        (
            "I said the herons are back. There are two of them on the sandbar.",
            "Oh, lovely! Two herons on the sandbar sounds like a painting waiting to happen. Are "
            "they fishing, or just standing there looking dignified?",
        ),
    ]
    parent = p
    offset = 0.0
    voice_meta = {"voice_mode_message": True, "real_time_audio_has_video": False}
    for i, (said, answer) in enumerate(turns, 1):
        b.new_turn()
        in_wav = wav_bytes(480 + 80 * i, 16 + i)
        in_id = cx.dat(f"voice-{i}-in.wav", in_wav)
        secs = len(said) / 14 + 1.0
        rt: Json = {
            "content_type": "real_time_user_audio_video_asset_pointer",
            "expiry_datetime": None,
            "frames_asset_pointers": [],
            "video_container_asset_pointer": None,
            "audio_asset_pointer": audio_pointer(
                f"sediment://{in_id}", len(in_wav), offset, offset + secs, b.clock
            ),
            "audio_start_timestamp": offset,
        }
        parent = b.add(
            parent,
            "user",
            multimodal(transcription(said, "in"), rt),
            key=f"voice_in_{i}",
            dt=20.0,
            meta=voice_meta,
        )
        offset += secs + 0.4
        out_wav = wav_bytes(560 + 80 * i, 24 + i)
        out_id = cx.dat(f"voice-{i}-out.wav", out_wav)
        secs = len(answer) / 15
        parent = b.add(
            parent,
            "assistant",
            multimodal(
                transcription(answer, "out", stable_uuid(cx.seed, "decoding", i)),
                audio_pointer(f"sediment://{out_id}", len(out_wav), offset, offset + secs, b.clock),
            ),
            key=f"voice_out_{i}",
            dt=2.0,
            end_turn=True,
            meta=voice_meta,
        )
        offset += secs + 0.6
    return b, b.finish(parent)


@_sample(
    "agent-task",
    "agent",
    "computer_output",
    "system_error",
    "screenshot_dat_assets",
    "commentary_channel",
)
def _agent_task(cx: _Ctx) -> Built:
    b = cx.builder(
        "agent-task",
        "Find a ryokan in Hakone for two nights",
        epoch(2025, 9, 12, 8, 45) + PST,
        era="2025",
        model="agent-mode",
    )
    p = _scaffold(b)
    u1 = b.user(
        p,
        "Find me a ryokan in Hakone for Nov 14–16, two adults, private onsen, under "
        "¥60,000 per night. Don't book anything, just shortlist.",
        key="u1",
    )
    a0 = b.add(
        u1,
        "assistant",
        text("I'll open a browser and check a booking site for those dates."),
        end_turn=False,
        channel="commentary",
        key="commentary",
    )
    computer_id = "cu_" + hex_id(24, cx.seed, "computer")
    url = (
        "https://travel.example.com/hakone/ryokan?checkin=2025-11-14&checkout=2025-11-16"
        "&adults=2&onsen=private"
    )

    def screenshot(n: int, title: str) -> Json:
        png = png_bytes(64, 40, f"screenshot-{n}")
        shot = cx.dat(f"screenshot-{n}.png", png)
        return {
            "content_type": "computer_output",
            "computer_id": computer_id,
            "screenshot": image_part(f"sediment://{shot}", len(png), 64, 40),
            "tether_id": None,
            "state": {
                "type": "browser_state",
                "id": hex_id(16, cx.seed, "state", n),
                "url": url,
                "title": title,
                "os_type": "linux",
                "os_version": "Ubuntu 22.04",
                "os_architecture": "x86_64",
                "installed_software": ["chromium"],
                "dom": None,
            },
            "is_ephemeral": False,
        }

    c1 = b.call(
        a0,
        "computer.do",
        json.dumps({"actions": [{"action": "open_url", "url": url}]}),
        language="json",
        key="do_1",
    )
    t1 = b.tool(
        c1,
        "computer.do",
        screenshot(1, "Hakone ryokan — 2 nights, 2 adults"),
        key="screen_1",
        dt=6.0,
    )
    c2 = b.call(
        t1,
        "computer.do",
        json.dumps({"actions": [{"action": "click", "x": 412, "y": 318}]}),
        language="json",
        key="do_2",
    )
    t2 = b.tool(
        c2,
        "computer.do",
        {
            "content_type": "system_error",
            "name": "ChatGPTAgentToolException",
            "text": "Browser action timed out after 30000 ms while waiting for the page to load.",
        },
        key="error",
        dt=31.0,
    )
    c3 = b.call(
        t2,
        "computer.do",
        json.dumps({"actions": [{"action": "reload"}]}),
        language="json",
        key="do_3",
    )
    t3 = b.tool(
        c3,
        "computer.do",
        screenshot(2, "Hakone ryokan — filtered: private onsen"),
        key="screen_2",
        dt=7.0,
    )
    a1 = b.assistant(
        t3,
        (
            "Here's a shortlist for Nov 14–16 (two adults, private open-air bath, no booking "
            "made):\n\n1. **Yumoto Kotori-an** — ¥52,000/night with dinner, 6 min from Hakone-"
            "Yumoto station.\n2. **Gora Shizuku** — ¥58,500/night, rooms face the valley; the "
            "private bath is cypress.\n3. **Sengokuhara Nagi-tei** — ¥44,000/night, quieter, "
            "bus-only access.\n\nOne page timed out on the first try, so I reloaded it before "
            "reading prices; double-check them before booking."
        ),
        key="current",
    )
    return b, b.finish(a1)


# ------------------------------------------------------------------------- personal


@_sample(
    "companion-long",
    "long_thread",
    "gpt-4o",
    "warm_persona",
    "topic_shifts",
    "model_editable_context",
    "memories",
    "bio",
    "custom_instructions",
    "feedback",
)
def _companion_long(cx: _Ctx) -> Built:
    first = companion.SESSIONS[0]
    b = cx.builder(
        "companion-long",
        "Sol & Mika ☾ evening chats",
        epoch(*first[:5]) + PST,
        era="2025",
        model="gpt-4o",
    )
    b.set(is_starred=True, pinned_time=round(epoch(2025, 2, 1, 9, 0), 6))
    p = b.system(b.root())
    p = b.memory_context(
        p,
        [
            ("2024-08-03", "User's name is Mika."),
            ("2024-08-03", "Is a freelance illustrator based in Portland, Oregon."),
            (
                "2024-09-14",
                "Is writing a novel about a girl who keeps a lighthouse on a small "
                "island (working title: The Lighthouse Keeper's Daughter).",
            ),
            ("2024-10-22", "Has a cat named Mochi."),
            ("2024-11-30", "Has been learning Japanese for about a year and wants to visit Kyoto."),
            (
                "2024-12-19",
                "Calls the assistant 'Sol' and likes gentle, warm replies with a short sign-off.",
            ),
        ],
    )
    p = b.user_context(p, PROFILE, INSTRUCTIONS)
    turn = 0
    for y, mo, d, h, mi, pairs in companion.SESSIONS:
        b.clock = max(b.clock, epoch(y, mo, d, h, mi) + PST)
        for said, answer in pairs:
            turn += 1
            remember = said.startswith("BIO:")
            said = said.removeprefix("BIO:")
            p = b.user(p, said, key=f"u{turn}", dt=35.0 + len(said) / 3)
            if remember:
                call = b.add(
                    p,
                    "assistant",
                    text(companion.BIO_FACT),
                    recipient="bio",
                    end_turn=False,
                    key="bio_call",
                )
                p = b.tool(
                    call,
                    "bio",
                    text("Model set context updated."),
                    recipient="assistant",
                    key="bio_result",
                )
            p = b.assistant(p, answer, key=f"a{turn}", dt=4.0 + len(answer) / 60)
    b.names["current"] = p
    cx.rate(b, f"a{turn}", "thumbsUp", b.clock + 15)
    return b, b.finish(p)


@_sample("zh-cat", "cjk", "chinese", "custom_instructions")
def _zh_cat(cx: _Ctx) -> Built:
    b = cx.builder(
        "zh-cat", "我家的猫咪麻糬", epoch(2025, 3, 2, 23, 5) + PST, era="2025", model="gpt-4o"
    )
    p = _scaffold(b)
    turns = [
        (
            "我最近很喜欢画画，尤其是画我家的猫。她叫麻糬，已经七岁了，每天都睡在我的画桌上。你觉得"
            "我应该怎么开始画一本关于她的小绘本？",
            "这个主意太可爱了！麻糬每天睡在你的画桌上，这本身就是一个很好的故事开头。你可以先从她一天"
            "的生活写起：早上晒太阳，中午偷吃你的面包，晚上陪你画画。每一页只画一个小场景，文字控制在"
            "两三句话以内，这样小朋友和大人都会喜欢。你想先定故事的结局，还是先画几张草图找感觉？",
        ),
        (
            "我想先画草图。可是我总觉得自己画的猫不够可爱，线条太硬了。",
            "线条太硬的时候，可以先用很轻的铅笔画几个大的圆形，把猫的身体想成一个圆圆的麻糬。猫最可爱"
            "的地方往往是圆圆的背和放松的爪子。画之前先观察她十分钟，只画她的姿势，不画细节。慢慢来，"
            "你已经比自己想象的画得更好了。",
        ),
        (
            "谢谢你！我今天画了三张，最喜欢她打哈欠的那张。",
            "打哈欠的那张一定很有趣！猫打哈欠的时候表情特别夸张，很适合做绘本的封面。明天可以把三张"
            "放在一起看看，也许故事就自己出来了。晚安，也替我跟麻糬说晚安。🐱",
        ),
    ]
    for i, (said, answer) in enumerate(turns, 1):
        p = b.user(p, said, key=f"u{i}")
        p = b.assistant(p, answer, key=f"a{i}")
    b.names["current"] = p
    return b, b.finish(p)


@_sample(
    "ja-study",
    "cjk",
    "japanese",
    "upload",
    "image_dat_asset",
    "sediment_pointer",
    "custom_instructions",
)
def _ja_study(cx: _Ctx) -> Built:
    b = cx.builder(
        "ja-study",
        "日本語の勉強と東京旅行",
        epoch(2025, 4, 11, 7, 30) + PST,
        era="2025",
        model="gpt-4o",
    )
    p = _scaffold(b)
    menu = png_bytes(40, 30, "shinjuku-menu")
    menu_id = cx.dat("shinjuku-menu.png", menu)
    u1 = b.user(
        p,
        multimodal(
            image_part(f"sediment://{menu_id}", len(menu), 40, 30),
            "東京で撮ったメニューの写真です。「本日のおすすめ」の下に書いてある料理の名前が読めません。"
            "教えてもらえますか？",
        ),
        key="u1",
        meta={
            "attachments": [
                {
                    "id": menu_id,
                    "size": len(menu),
                    "name": "shinjuku-menu.png",
                    "mime_type": "image/png",
                    "width": 40,
                    "height": 30,
                    "source": "local",
                }
            ]
        },
    )
    a1 = b.assistant(
        u1,
        (
            "写真ありがとうございます！「本日のおすすめ」の下には「鯛茶漬け」と書いてあります。"
            "鯛の刺身をご飯にのせて、温かいお茶やだしをかけて食べる料理です。あっさりしていて、"
            "旅行で疲れた日にもぴったりですよ。"
        ),
        key="a1",
    )
    u2 = b.user(
        a1,
        "日本語の勉強を始めてから一年になりますが、まだ敬語が難しいです。東京のお店で"
        "使える簡単な表現を教えてください。",
        key="u2",
    )
    a2 = b.assistant(
        u2,
        (
            "一年でメニューを読もうとしているのは本当にすごいです！お店でよく使う表現はこちらです。\n\n"
            "- 「すみません、注文をお願いします。」\n- 「これをひとつください。」\n"
            "- 「おすすめは何ですか？」\n- 「お会計をお願いします。」\n\n"
            "「お願いします」を最後につければ、だいたい丁寧に聞こえるので安心してください。"
        ),
        key="a2",
    )
    u3 = b.user(a2, "ありがとう！来月また東京に行くので、練習してみます。", key="u3")
    a3 = b.assistant(
        u3,
        (
            "いいですね！東京の小さなお店では、店員さんも日本語で話しかけてもらえるとうれしいと思います。"
            "楽しい旅行になりますように。また練習したくなったら、いつでも声をかけてください。"
        ),
        key="current",
    )
    return b, b.finish(a3)


@_sample("custom-gpt", "gizmo_gpt", "custom_instructions")
def _custom_gpt(cx: _Ctx) -> Built:
    b = cx.builder(
        "custom-gpt",
        "Sourdough schedule for a weekday",
        epoch(2025, 2, 15, 9, 20) + PST,
        era="2025",
        model="gpt-4o",
    )
    b.set(gizmo_id=CUSTOM_GPT, gizmo_type="gpt", conversation_template_id=CUSTOM_GPT)
    p = _scaffold(b)
    gm = {"gizmo_id": CUSTOM_GPT}
    u1 = b.user(
        p,
        "I work 9 to 6. How do I fit a sourdough loaf into a weekday without getting up at 5?",
        key="u1",
    )
    a1 = b.assistant(
        u1,
        (
            "Let the fridge do the night shift:\n\n- **7:30 pm** mix dough (levain made at 8 am "
            "before work)\n- **8–10 pm** three sets of stretch-and-folds while you cook and relax\n"
            "- **10:30 pm** shape, basket, straight into the fridge\n- **Next evening, 6:30 pm** "
            "bake straight from the fridge at 250 °C, lid on for 20 minutes, off for 20.\n\nThe "
            "long cold proof also gives you a more sour, blistered crust."
        ),
        key="a1",
        meta=gm,
    )
    u2 = b.user(a1, "My starter is sluggish, it only rises 50%.", key="u2")
    a2 = b.assistant(
        u2,
        (
            "Give it two days of twice-daily feeds at 1:5:5 (starter:flour:water) with 20% whole "
            "rye, and keep it somewhere around 26 °C — on top of the fridge works. Once it doubles "
            "within 6 hours, it's ready for the weekday plan."
        ),
        key="current",
        meta=gm,
    )
    return b, b.finish(a2)


@_sample("o1-proof", "o1", "reasoning", "reasoning_recap_legacy_text")
def _o1_proof(cx: _Ctx) -> Built:
    b = cx.builder(
        "o1-proof",
        "Proof: merge step keeps stability",
        epoch(2024, 12, 16, 13, 10) + PST,
        era="2024",
        model="o1",
    )
    p = _scaffold(b)
    u1 = b.user(
        p,
        "Prove that the merge step of merge sort is stable if, on ties, we always "
        "take from the left run.",
        key="u1",
    )
    r1 = b.reasoning(
        u1,
        [
            (
                "Setting up the invariant",
                "Stability means equal keys keep their input order. Left-run elements all precede "
                "right-run elements in the input, and each run is already stable.",
            ),
            (
                "Checking ties",
                "On a tie the left element is output first, which is its input order relative to "
                "the right element. Induct on the number of elements output.",
            ),
        ],
        14,
        key="r1",
        recap="Thought for 14 seconds",
    )
    a1 = b.assistant(
        r1,
        (
            "**Claim.** If both runs are stably sorted and every element of the left run L came "
            "before every element of the right run R in the input, then merging with ties taken "
            "from L yields a stable order.\n\n**Proof.** Invariant: after k outputs, the output is "
            "sorted and any two equal keys in it appear in input order. Suppose the next step "
            "compares l ∈ L and r ∈ R. If key(l) < key(r) or key(r) < key(l), the smaller goes "
            "out and no equal pair is reordered. If key(l) = key(r) we output l, and l preceded r "
            "in the input, so the pair stays in input order; equal keys within one run keep "
            "their order because each run is consumed front to back. When one run is exhausted "
            "the rest of the other is appended in order. By induction the invariant holds at the "
            "end. ∎"
        ),
        key="a1",
    )
    u2 = b.user(a1, "Does it still hold if we take from the right on ties?", key="u2")
    r2 = b.reasoning(
        u2,
        [("Looking for a counterexample", "Two equal keys, one per run, suffice.")],
        6,
        key="r2",
        recap="Thought for 6 seconds",
    )
    a2 = b.assistant(
        r2,
        (
            "No. Take L = [(1, a)] and R = [(1, b)], where a came first in the input. Taking from "
            "the right on the tie outputs (1, b) before (1, a), reversing their input order — so "
            "the sort is no longer stable."
        ),
        key="current",
    )
    return b, b.finish(a2)


# ------------------------------------------------------------------------- everyday


@_sample("archived-lease", "archived", "gpt-4")
def _archived_lease(cx: _Ctx) -> Built:
    b = cx.builder(
        "archived-lease",
        "Lease renewal — questions for the landlord",
        epoch(2024, 3, 28, 19, 0) + PST,
        era="2024",
        model="gpt-4",
    )
    b.set(is_archived=True)
    p = _scaffold(b)
    u1 = b.user(
        p,
        "My lease renews in May and the landlord wants +9%. What should I ask before signing?",
        key="u1",
    )
    a1 = b.assistant(
        u1,
        (
            "A few questions worth asking in writing:\n\n1. What's the increase based on — "
            "comparable units, tax, or costs?\n2. Would a longer lease (18–24 months) keep it "
            "lower?\n3. Are any repairs scheduled, and who pays for them?\n4. Is the increase "
            "within your city's notice and rent-stabilisation rules?\n\nA polite counteroffer "
            "around +4–5% with a longer term is a common middle ground."
        ),
        key="a1",
    )
    u2 = b.user(a1, "They agreed to 5% for 18 months!", key="u2")
    a2 = b.assistant(
        u2,
        "That's a great outcome — nicely negotiated. Get the new terms in the "
        "signed lease, not just in an email.",
        key="current",
    )
    return b, b.finish(a2)


@_sample("null-title", "null_title", "gpt-4o-mini")
def _null_title(cx: _Ctx) -> Built:
    b = cx.builder(
        "null-title", None, epoch(2025, 6, 30, 7, 55) + PST, era="2025", model="gpt-4o-mini"
    )
    p = _scaffold(b)
    u1 = b.user(p, "quick: how long to boil an egg for a jammy yolk", key="u1")
    a1 = b.assistant(
        u1,
        "About 6½ minutes from boiling for a large egg, then straight into ice "
        "water for two minutes.",
        key="current",
    )
    return b, b.finish(a1)


@_sample("pasta", "gpt-4o-mini")
def _pasta(cx: _Ctx) -> Built:
    b = cx.builder(
        "pasta",
        "Weeknight pasta with what's in the fridge",
        epoch(2024, 7, 16, 18, 30) + PST,
        era="2024",
        model="gpt-4o-mini",
    )
    p = _scaffold(b)
    u1 = b.user(
        p, "I have half a lemon, spinach, parmesan, garlic and spaghetti. Dinner?", key="u1"
    )
    a1 = b.assistant(
        u1,
        (
            "Lemony spinach spaghetti: cook the pasta; meanwhile soften two sliced garlic cloves in "
            "olive oil, wilt the spinach in the pan, then toss in the pasta with a splash of pasta "
            "water, the lemon's zest and juice, and a big handful of parmesan. Pepper on top. "
            "Twenty minutes."
        ),
        key="current",
    )
    return b, b.finish(a1)


@_sample("exif-rename", "gpt-5", "code_block")
def _exif_rename(cx: _Ctx) -> Built:
    b = cx.builder(
        "exif-rename",
        "Rename photos by EXIF date",
        epoch(2025, 10, 4, 11, 10) + PST,
        era="2025",
        model="gpt-5",
    )
    p = _scaffold(b)
    u1 = b.user(
        p,
        "One-liner to rename all my JPGs to their EXIF capture date, like 2025-04-12_0931.jpg?",
        key="u1",
    )
    a1 = b.assistant(
        u1,
        (
            "With exiftool:\n\n```bash\nexiftool '-FileName<DateTimeOriginal' -d "
            "'%Y-%m-%d_%H%M%%-c.%%e' *.jpg\n```\n\n`%-c` adds a counter when two photos share the "
            "same minute, so nothing gets overwritten. Run it on a copy of the folder first."
        ),
        key="current",
    )
    return b, b.finish(a1)


@_sample("invoice", "gpt-5", "no_message_model_slug")
def _invoice(cx: _Ctx) -> Built:
    b = cx.builder(
        "invoice",
        "Friendly invoice reminder email",
        epoch(2026, 2, 27, 9, 5) + PST,
        era="2026",
        model="gpt-5",
    )
    p = _scaffold(b)
    u1 = b.user(
        p,
        "Write a short, friendly reminder for an invoice that's 3 weeks overdue. "
        "Client is a small publisher I like working with.",
        key="u1",
    )
    a1 = b.assistant(
        u1,
        (
            "Subject: Quick reminder — invoice #0214\n\nHi Dana,\n\nHope the spring list is coming "
            "together! Just a gentle nudge that invoice #0214 for the cover illustrations (sent "
            "Feb 3) is now three weeks past due. I've attached it again in case it got buried.\n\n"
            "Thanks so much — always a pleasure working with you.\n\nMika"
        ),
        key="current",
    )
    return b, b.finish(a1)


@_sample("slim", "slim", "no_children", "no_status", "no_metadata", "gpt-5")
def _slim(cx: _Ctx) -> Built:
    b = cx.builder(
        "slim",
        "Packing list for Lisbon",
        epoch(2026, 3, 8, 9, 12) + PST,
        era="2026",
        model="gpt-5",
        slim=True,
    )
    p = b.system(b.root())
    u1 = b.user(p, "Packing list for 5 days in Lisbon in March, carry-on only?", key="u1")
    a1 = b.assistant(
        u1,
        (
            "- Light rain jacket and a warm layer (evenings are cool)\n- Comfortable shoes with "
            "grip — the cobblestones are slippery\n- 4 tops, 2 bottoms, 1 nicer outfit\n- Small "
            "umbrella, sunglasses, power adapter (type F)\n- Tote bag for the market"
        ),
        key="a1",
    )
    u2 = b.user(a1, "Do I need cash?", key="u2")
    a2 = b.assistant(
        u2,
        "Cards work almost everywhere; keep €20–30 in coins and small notes "
        "for trams, kiosks and tiny cafés.",
        key="current",
    )
    return b, b.finish(a2)


@_sample("empty-shell", "no_mapping")
def _empty_shell(cx: _Ctx) -> Built:
    conv_id = stable_uuid(cx.seed, "conversation", "empty-shell")
    t = round(epoch(2026, 1, 5, 16, 20) + PST, 6)
    return None, {
        "title": "Budget spreadsheet formulas",
        "create_time": t,
        "update_time": t,
        "conversation_id": conv_id,
        "default_model_slug": "gpt-5",
        "id": conv_id,
    }


# ------------------------------------------------------------------------- assembly


def build_sample(seed: int = 0) -> SampleExport:
    """Build the sample export: conversations newest first, assets, aux files and an index."""
    cx = _Ctx(seed)
    built: list[tuple[str, tuple[str, ...], ConversationBuilder | None, Json]] = []
    for key, features, fn in _REGISTRY:
        b, conv = fn(cx)
        built.append((key, features, b, conv))
    built.sort(key=lambda item: (-item[3]["update_time"], item[0]))
    index: dict[str, Json] = {}
    for key, features, b, conv in built:
        index[key] = {
            "id": conv["id"],
            "title": conv["title"],
            "features": list(features),
            "current_node": conv.get("current_node"),
            "nodes": dict(b.names) if b else {},
        }
    aux: dict[str, Any] = {
        "user.json": USER_JSON,
        "user_settings.json": [
            {
                "user_id": USER_ID,
                "settings": {
                    "training_allowed": False,
                    "memory_enabled": True,
                    "voice_name": "juniper",
                    "show_expanded_code_view": False,
                    "personality": "default",
                    "locale": "en-US",
                },
                "announcements": {"oai/apps/hasSeenCanvas": True, "oai/apps/hasSeenProjects": True},
            }
        ],
        "message_feedback.json": cx.feedback,
        "conversation_asset_file_names.json": dict(sorted(cx.dat_names.items())),
        "group_chats.json": {"chats": []},
        "shopping.json": [],
        "sora.json": {},
    }
    return SampleExport([c for *_, c in built], dict(sorted(cx.assets.items())), aux, index)
