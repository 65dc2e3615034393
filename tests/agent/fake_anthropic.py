"""A scripted stand-in for the Anthropic Messages API, for driving the real Claude Code binary.

The server listens on 127.0.0.1 (a random port) and plays a SCRIPT: a list of turns, each either
a list of tool calls (``tool("Bash", command="echo hi")``) or a final text (``"done"``). The
conversation's own history says where it is: the n-th main request carries n assistant messages,
so it is answered with turn n (a retried request gets the same answer; past the end, "done").

Requests that are not the agent's conversation (title generation, quota probes with
``max_tokens: 1``, haiku side calls: anything without ``tools``) get a short plain text and do
not move the script. Every request is recorded; ``tool_results()`` says what the client sent back
for each scripted call (``is_error`` and the text of ``content``), keyed by the call's position.
Other endpoints (``count_tokens``, model lists, telemetry, anything else) get a harmless answer.
Seen from Claude Code 2.1.332 in ``-p`` mode: with CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 it
only sends streaming ``POST /v1/messages`` (its messages may include ``role: "system"`` entries);
without that variable it also sends ``HEAD /api/hello`` at start-up.
"""
from __future__ import annotations

import itertools
import json
import os
import socketserver
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "claude-sonnet-4-5"
SIDE_TEXT = "ok"
FINAL_TEXT = "done"


@dataclass(frozen=True)
class ToolCall:
    name: str
    input: dict[str, Any]


def tool(name: str, **tool_input: Any) -> ToolCall:
    """One scripted tool call: ``tool("Read", file_path="/p/a.txt")``."""
    return ToolCall(name, tool_input)


Turn = list[ToolCall] | ToolCall | str


@dataclass(frozen=True)
class ToolResult:
    """What the client sent back for scripted call ``call`` of turn ``turn``."""

    turn: int
    call: int
    name: str
    input: dict[str, Any]
    is_error: bool
    content: str


@dataclass
class Recorded:
    method: str
    path: str
    body: Any
    kind: str  # "main" (a scripted turn), "side" (answered "ok"), "other" (not /v1/messages)
    turn: int | None = None


def tool_use_id(turn: int, call: int) -> str:
    return f"toolu_rf{turn:04d}_{call:03d}"


def _calls(turn: Turn) -> list[ToolCall] | None:
    if isinstance(turn, str):
        return None
    return [turn] if isinstance(turn, ToolCall) else list(turn)


def is_main_request(body: dict[str, Any]) -> bool:
    """The agent's own conversation offers tools; side calls (titles, quota, haiku) do not."""
    return bool(body.get("tools")) and body.get("max_tokens", 0) > 1


def turn_index(body: dict[str, Any]) -> int:
    return sum(1 for m in body.get("messages", []) if m.get("role") == "assistant")


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict))
    return ""


def message_blocks(turn: Turn, index: int) -> tuple[list[dict[str, Any]], str]:
    """The content blocks and stop_reason that answer scripted turn ``index``."""
    calls = _calls(turn)
    if calls is None:
        return [{"type": "text", "text": str(turn)}], "end_turn"
    blocks = [{"type": "tool_use", "id": tool_use_id(index, i), "name": c.name, "input": c.input}
              for i, c in enumerate(calls)]
    return blocks, "tool_use"


def message_json(blocks: list[dict[str, Any]], stop_reason: str | None, model: str, msg_id: str) -> dict[str, Any]:
    return {"id": msg_id, "type": "message", "role": "assistant", "model": model,
            "content": blocks, "stop_reason": stop_reason, "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 10,
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}


def sse_events(blocks: list[dict[str, Any]], stop_reason: str, model: str, msg_id: str) -> bytes:
    """The Messages API streaming sequence for one complete message."""
    def event(name: str, data: dict[str, Any]) -> str:
        return f"event: {name}\ndata: {json.dumps(data)}\n\n"

    start = message_json([], None, model, msg_id)
    start["usage"]["output_tokens"] = 1
    out = [event("message_start", {"type": "message_start", "message": start})]
    for i, block in enumerate(blocks):
        if block["type"] == "text":
            out.append(event("content_block_start", {"type": "content_block_start", "index": i,
                                                     "content_block": {"type": "text", "text": ""}}))
            out.append(event("content_block_delta", {"type": "content_block_delta", "index": i,
                                                     "delta": {"type": "text_delta", "text": block["text"]}}))
        else:
            empty = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            out.append(event("content_block_start", {"type": "content_block_start", "index": i,
                                                     "content_block": empty}))
            out.append(event("content_block_delta", {"type": "content_block_delta", "index": i,
                                                     "delta": {"type": "input_json_delta",
                                                               "partial_json": json.dumps(block["input"])}}))
        out.append(event("content_block_stop", {"type": "content_block_stop", "index": i}))
    out.append(event("message_delta", {"type": "message_delta",
                                       "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                                       "usage": {"output_tokens": 10}}))
    out.append(event("message_stop", {"type": "message_stop"}))
    return "".join(out).encode()


class _UnixHTTPServer(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True


@dataclass
class FakeAnthropic:
    """The scripted server. Use as a context manager; ``url`` is the ANTHROPIC_BASE_URL.

    With ``unix_path`` it also answers on that Unix socket, so a client in a network namespace
    of its own can reach it through a bridge (see ``claude_harness.jail_argv``).
    """

    script: list[Turn]
    unix_path: str | None = None
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        handler = _handler_for(self)
        self._tcp = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._tcp.daemon_threads = True
        self._servers: list[socketserver.BaseServer] = [self._tcp]
        if self.unix_path is not None:
            self._servers.append(_UnixHTTPServer(self.unix_path, handler))
        self._threads = [threading.Thread(target=s.serve_forever, args=(0.05,), daemon=True) for s in self._servers]

    @property
    def port(self) -> int:
        return self._tcp.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeAnthropic:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        if self.unix_path is not None and os.path.exists(self.unix_path):
            os.unlink(self.unix_path)

    def record(self, entry: Recorded) -> None:
        with self._lock:
            self.requests.append(entry)

    def answer(self, body: dict[str, Any]) -> tuple[list[dict[str, Any]], str, Recorded]:
        """Pick the reply to one POST /v1/messages body."""
        if not is_main_request(body):
            return [{"type": "text", "text": SIDE_TEXT}], "end_turn", Recorded("POST", "/v1/messages", body, "side")
        index = turn_index(body)
        turn = self.script[index] if index < len(self.script) else FINAL_TEXT
        blocks, stop = message_blocks(turn, index)
        return blocks, stop, Recorded("POST", "/v1/messages", body, "main", index)

    def next_message_id(self) -> str:
        return f"msg_rf{next(self._ids):06d}"

    def main_requests(self) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.kind == "main"]

    def turns_served(self) -> int:
        """How many distinct scripted turns were asked for (0 = the client never got going)."""
        return len({r.turn for r in self.main_requests()})

    def tool_results(self) -> dict[tuple[int, int], ToolResult]:
        """Every tool_result the client sent for a scripted call, keyed by (turn, call)."""
        results: dict[tuple[int, int], ToolResult] = {}
        for req in self.main_requests():
            for msg in req.body.get("messages", []):
                if msg.get("role") != "user" or not isinstance(msg.get("content"), list):
                    continue
                for block in msg["content"]:
                    if not (isinstance(block, dict) and block.get("type") == "tool_result"):
                        continue
                    key = _parse_id(block.get("tool_use_id", ""))
                    if key is None or key[0] >= len(self.script):
                        continue
                    calls = _calls(self.script[key[0]]) or []
                    if key[1] >= len(calls):
                        continue
                    call = calls[key[1]]
                    results[key] = ToolResult(key[0], key[1], call.name, call.input,
                                              bool(block.get("is_error")), _text_of(block.get("content")))
        return results


def _parse_id(tid: str) -> tuple[int, int] | None:
    if not tid.startswith("toolu_rf"):
        return None
    turn, _, call = tid[len("toolu_rf"):].partition("_")
    return (int(turn), int(call)) if turn.isdigit() and call.isdigit() else None


def _handler_for(server: FakeAnthropic) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet; requests are recorded
            pass

        def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _read_body(self) -> Any:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                return json.loads(raw) if raw else None
            except ValueError:
                return raw.decode("latin-1")

        def do_GET(self) -> None:
            server.record(Recorded("GET", self.path, None, "other"))
            if self.path.split("?")[0].rstrip("/").endswith("/v1/models"):
                body = {"data": [{"type": "model", "id": MODEL, "display_name": MODEL,
                                  "created_at": "2025-01-01T00:00:00Z"}],
                        "has_more": False, "first_id": MODEL, "last_id": MODEL}
                self._send(200, json.dumps(body).encode())
            else:
                self._send(200, b"{}")

        def do_HEAD(self) -> None:
            server.record(Recorded("HEAD", self.path, None, "other"))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            body = self._read_body()
            path = self.path.split("?")[0]
            if path.endswith("/v1/messages/count_tokens"):
                server.record(Recorded("POST", self.path, body, "other"))
                self._send(200, b'{"input_tokens": 10}')
                return
            if not (path.endswith("/v1/messages") and isinstance(body, dict)):
                server.record(Recorded("POST", self.path, body, "other"))
                self._send(200, b"{}")
                return
            blocks, stop, entry = server.answer(body)
            server.record(entry)
            model = str(body.get("model") or MODEL)
            msg_id = server.next_message_id()
            if body.get("stream"):
                self._send(200, sse_events(blocks, stop, model, msg_id), "text/event-stream")
            else:
                self._send(200, json.dumps(message_json(blocks, stop, model, msg_id)).encode())

    return Handler
