"""An optional abstract from an OpenAI-compatible chat endpoint the user runs.

Only contacted when the user passes ``--llm URL`` (or sets ``llm_url``, see keeper.config);
stdlib urllib, no SDK. ``URL`` is the API base (``http://127.0.0.1:11434/v1``) or the full
``…/chat/completions`` address. The endpoint carries the model (``llm_model``, default
``llama3.2``) and the bearer token (``llm_key``) if one is set.
"""

from __future__ import annotations

import urllib.error
import urllib.request

import orjson

from keeper.config import LlmEndpoint
from keeper.errors import KeeperError
from keeper.model import Node, Summary

TIMEOUT_S = 120
MAX_PROMPT_CHARS = 24_000


class LLMError(KeeperError):
    """The configured LLM endpoint could not produce a summary."""


def endpoint_url(url: str) -> str:
    """The chat-completions address for an API base or full URL."""
    if not url.startswith(("http://", "https://")):
        raise LLMError(
            f"--llm needs an http(s) URL, got {url!r}.",
            "For a local Ollama: --llm http://127.0.0.1:11434/v1",
        )
    trimmed = url.rstrip("/")
    return trimmed if trimmed.endswith("/chat/completions") else trimmed + "/chat/completions"


def _prompt(summary: Summary, turns: list[Node]) -> str:
    lines = []
    for turn in turns:
        lines.append(f"{(turn.role or '?').upper()}: {' '.join(turn.text.split())}")
    transcript = "\n".join(lines)
    if len(transcript) > MAX_PROMPT_CHARS:
        half = MAX_PROMPT_CHARS // 2
        transcript = transcript[:half] + "\n[…]\n" + transcript[-half:]
    return (
        f"Conversation title: {summary.title}\nKeywords: {', '.join(summary.keywords)}\n\n"
        f"{transcript}\n\nSummarize this conversation in at most 5 sentences: what it was "
        "about, what was decided, and what was still open at the end."
    )


def llm_abstract(endpoint: LlmEndpoint, summary: Summary, turns: list[Node]) -> str:
    """Ask the endpoint for a short abstract of the conversation."""
    return chat(
        endpoint, "You write short, faithful conversation summaries.", _prompt(summary, turns)
    )


def chat(endpoint: LlmEndpoint, system: str, prompt: str) -> str:
    """One chat completion from ``endpoint``: the reply's text."""
    body = {
        "model": endpoint.model,
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": prompt},
        ],
        "temperature": 0.2,
        "stream": False,
    }
    headers = {"Content-Type": "application/json"}
    if endpoint.key:
        headers["Authorization"] = f"Bearer {endpoint.key}"
    target = endpoint_url(endpoint.url)
    request = urllib.request.Request(target, data=orjson.dumps(body), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            payload = orjson.loads(response.read())
    except urllib.error.HTTPError as error:
        raise LLMError(
            f"The LLM endpoint {target} answered HTTP {error.code}.",
            "Check the URL and that the model is pulled (llm_model, $KEEPER_LLM_MODEL).",
        ) from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise LLMError(
            f"Could not reach the LLM endpoint {target}: {error}.",
            "Start the server (e.g. `ollama serve`) or drop --llm; summaries work without it.",
        ) from error
    except orjson.JSONDecodeError as error:
        raise LLMError(f"The LLM endpoint {target} did not return JSON.") from error
    try:
        text = payload["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as error:
        raise LLMError(
            f"The LLM endpoint {target} returned no chat completion.",
            "keeper expects the OpenAI chat-completions response format.",
        ) from error
    if not isinstance(text, str) or not text.strip():
        raise LLMError(f"The LLM endpoint {target} returned an empty summary.")
    return text.strip()
