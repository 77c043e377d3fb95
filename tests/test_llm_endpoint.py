"""The optional LLM abstract, against a small OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import pytest

from keeper.cli import main
from keeper.library import Library
from keeper.summarize.llm import LLMError, endpoint_url
from tests.continuity_support import open_sample


class _Server:
    """Records requests; answers with ``status`` and ``body``."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict]] = []
        self.status = 200
        self.body: bytes = orjson.dumps(
            {"choices": [{"message": {"role": "assistant", "content": "Mika made pasta."}}]}
        )


@pytest.fixture
def server() -> Iterator[tuple[_Server, str]]:
    state = _Server()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            state.requests.append((self.path, orjson.loads(self.rfile.read(length))))
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def library(tmp_path) -> Iterator[Library]:  # type: ignore[no-untyped-def]
    lib = open_sample(tmp_path)
    yield lib
    lib.close()


def test_llm_abstract_is_requested_once_and_cached(
    server: tuple[_Server, str], library: Library, index: dict
) -> None:
    state, url = server
    conv_id = index["pasta"]["id"]
    summary = library.summarize(conv_id, llm_url=url)
    assert summary.llm_abstract == "Mika made pasta."
    assert "## Abstract (LLM)" in summary.to_markdown()
    path, body = state.requests[0]
    assert path == "/v1/chat/completions"
    prompt = body["messages"][-1]["content"]
    assert index["pasta"]["title"] in prompt and "USER:" in prompt and "ASSISTANT:" in prompt
    library.summarize(conv_id, llm_url=url)
    assert len(state.requests) == 1, "the second call comes from the cache"
    assert library.summarize(conv_id).llm_abstract is None, "no URL, no LLM text"


def test_llm_errors_are_keeper_errors(
    server: tuple[_Server, str], library: Library, index: dict
) -> None:
    state, url = server
    state.status = 500
    with pytest.raises(LLMError, match="HTTP 500"):
        library.summarize(index["pasta"]["id"], llm_url=url)
    state.status, state.body = 200, b'{"choices": []}'
    with pytest.raises(LLMError, match="no chat completion"):
        library.summarize(index["pasta"]["id"], llm_url=url)
    with pytest.raises(LLMError, match="Could not reach"):
        library.summarize(index["pasta"]["id"], llm_url="http://127.0.0.1:9/v1")
    with pytest.raises(LLMError, match="http"):
        endpoint_url("ftp://example.com")


def test_no_endpoint_is_contacted_unless_configured(
    library: Library, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network used without --llm")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.delenv("KEEPER_LLM_URL", raising=False)
    library.close()
    db = str(library.paths.db)
    with Library.open(db) as reopened:
        ids = [conv.id for conv in reopened.conversations()]
    for conv_id in ids:
        assert main(["summarize", "--db", db, conv_id]) == 0
    assert main(["pack", "--db", db, "--budget", "2000"]) == 0
    capsys.readouterr()


def test_cli_summarize_with_llm(
    server: tuple[_Server, str], library: Library, index: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    state, url = server
    db = str(library.paths.db)
    assert main(["summarize", "--db", db, index["pasta"]["id"], "--llm", url, "--json"]) == 0
    data = orjson.loads(capsys.readouterr().out)
    assert data["llm_abstract"] == "Mika made pasta."
    state.status = 404
    assert main(["summarize", "--db", db, index["invoice"]["id"], "--llm", url]) == 1
    assert "HTTP 404" in capsys.readouterr().err
