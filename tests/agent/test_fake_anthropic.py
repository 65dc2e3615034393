"""The scripted fake API over real sockets: turn selection, side calls, SSE framing, recorded results."""
from __future__ import annotations

import http.client
import json
import os
from typing import Any

from fake_anthropic import FINAL_TEXT, SIDE_TEXT, FakeAnthropic, sse_events, tool, tool_use_id

TOOLS = [{"name": "Bash", "input_schema": {"type": "object"}}]


def post(port: int, body: dict[str, Any], path: str = "/v1/messages") -> tuple[int, str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    resp = conn.getresponse()
    data = resp.read().decode()
    conn.close()
    return resp.status, resp.getheader("Content-Type") or "", data


def parse_sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for frame in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in frame.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def conversation(assistant_turns: int, results: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    msgs: list[dict[str, Any]] = [{"role": "user", "content": "go"}]
    for _ in range(assistant_turns):
        msgs += [{"role": "assistant", "content": []}, {"role": "user", "content": results or []}]
    return msgs


def test_non_streaming_turns_follow_the_conversation():
    script = [tool("Bash", command="echo 1"), [tool("Bash", command="a"), tool("Bash", command="b")], "bye"]
    with FakeAnthropic(script) as srv:
        replies = []
        for n in range(4):
            status, _, data = post(srv.port, {"model": "m", "max_tokens": 100, "tools": TOOLS,
                                              "messages": conversation(n)})
            assert status == 200
            replies.append(json.loads(data))
        again = json.loads(post(srv.port, {"model": "m", "max_tokens": 100, "tools": TOOLS,
                                           "messages": conversation(1)})[2])
    assert replies[0]["stop_reason"] == "tool_use"
    assert replies[0]["content"] == [{"type": "tool_use", "id": tool_use_id(0, 0), "name": "Bash",
                                      "input": {"command": "echo 1"}}]
    assert [b["input"]["command"] for b in replies[1]["content"]] == ["a", "b"]
    assert replies[2]["content"] == [{"type": "text", "text": "bye"}]
    assert replies[2]["stop_reason"] == "end_turn"
    assert replies[3]["content"][0]["text"] == FINAL_TEXT  # past the end of the script
    assert again["content"] == replies[1]["content"]  # a retried request gets the same turn
    assert srv.turns_served() == 4


def test_streaming_emits_the_messages_api_event_sequence():
    with FakeAnthropic([[tool("Read", file_path="/x"), tool("Bash", command="ls")]]) as srv:
        status, ctype, data = post(srv.port, {"model": "m", "max_tokens": 100, "tools": TOOLS, "stream": True,
                                              "messages": conversation(0)})
    assert status == 200 and ctype == "text/event-stream"
    events = parse_sse(data)
    assert [e for e, _ in events] == [
        "message_start",
        "content_block_start", "content_block_delta", "content_block_stop",
        "content_block_start", "content_block_delta", "content_block_stop",
        "message_delta", "message_stop"]
    assert all(data["type"] == name for name, data in events)
    assert events[1][1]["content_block"] == {"type": "tool_use", "id": tool_use_id(0, 0), "name": "Read", "input": {}}
    assert json.loads(events[2][1]["delta"]["partial_json"]) == {"file_path": "/x"}
    assert events[4][1]["index"] == 1
    assert events[7][1]["delta"]["stop_reason"] == "tool_use"


def test_sse_text_turn():
    events = parse_sse(sse_events([{"type": "text", "text": "hi"}], "end_turn", "m", "msg_1").decode())
    assert events[2][1]["delta"] == {"type": "text_delta", "text": "hi"}
    assert events[-2][1]["delta"]["stop_reason"] == "end_turn"


def test_side_requests_do_not_consume_the_script():
    with FakeAnthropic([tool("Bash", command="x"), "end"]) as srv:
        title = json.loads(post(srv.port, {"model": "haiku", "max_tokens": 512, "messages": conversation(0)})[2])
        quota = json.loads(post(srv.port, {"model": "m", "max_tokens": 1, "tools": TOOLS,
                                           "messages": conversation(0)})[2])
        main = json.loads(post(srv.port, {"model": "m", "max_tokens": 100, "tools": TOOLS,
                                          "messages": conversation(0)})[2])
    assert title["content"] == [{"type": "text", "text": SIDE_TEXT}]
    assert quota["content"] == [{"type": "text", "text": SIDE_TEXT}]
    assert main["content"][0]["type"] == "tool_use"  # the script still starts at turn 0
    assert [r.kind for r in srv.requests] == ["side", "side", "main"]


def test_tool_results_are_recorded_per_scripted_call():
    script = [[tool("Bash", command="a"), tool("Read", file_path="/b")], "end"]
    results = [
        {"type": "tool_result", "tool_use_id": tool_use_id(0, 0), "content": "out-a"},
        {"type": "tool_result", "tool_use_id": tool_use_id(0, 1), "is_error": True,
         "content": [{"type": "text", "text": "denied"}]},
        {"type": "tool_result", "tool_use_id": "toolu_someone_else", "content": "ignored"},
    ]
    with FakeAnthropic(script) as srv:
        post(srv.port, {"model": "m", "max_tokens": 100, "tools": TOOLS, "messages": conversation(1, results)})
    got = srv.tool_results()
    assert set(got) == {(0, 0), (0, 1)}
    assert (got[(0, 0)].is_error, got[(0, 0)].content, got[(0, 0)].name) == (False, "out-a", "Bash")
    assert (got[(0, 1)].is_error, got[(0, 1)].content, got[(0, 1)].input) == (True, "denied", {"file_path": "/b"})


def test_other_endpoints_answer_harmlessly(tmp_path):
    sock = str(tmp_path / "api.sock")
    with FakeAnthropic(["end"], unix_path=sock) as srv:
        assert json.loads(post(srv.port, {"model": "m", "messages": []}, "/v1/messages/count_tokens")[2]) == \
            {"input_tokens": 10}
        assert post(srv.port, {"events": []}, "/api/event_logging/batch")[0] == 200
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        conn.request("GET", "/v1/models")
        models = json.loads(conn.getresponse().read())
        conn.close()
        unix = _unix_get(sock, "/v1/models")
    assert models["data"][0]["id"] and unix["data"] == models["data"]
    assert not os.path.exists(sock)  # removed on exit
    assert srv.turns_served() == 0


def _unix_get(path: str, url: str) -> dict[str, Any]:
    import socket
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(path)
        s.sendall(f"GET {url} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        raw = b""
        while chunk := s.recv(65536):
            raw += chunk
    return json.loads(raw.split(b"\r\n\r\n", 1)[1])
