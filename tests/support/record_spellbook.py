"""Re-makes the spellbook's recordings (`make recordings`): each LLM spell runs live and its
`recorded` records become `recording.jsonl` beside it, so it replays offline and instantly.

chat, structured-extraction and provider-fallback run on the embedded local model. The
embedded model does not call tools, so tool-agent and agent-handoff are recorded against a
scripted stand-in for a tool-calling model (tests/support/openai_server.py); their spell.yaml
says so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.support.openai_server import OpenAICompatibleServer, Reply  # noqa: E402

BOOK = REPO / "resources" / "spellbook"


def record(name: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "engines.cli.main", "run", "--json", str(BOOK / name)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=REPO,
    )
    records = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    end = records[-1] if records else {}
    if end.get("status") != "ok":
        raise SystemExit(f"{name}: the live run failed: {end.get('error') or result.stderr}")
    with open(BOOK / name / "recording.jsonl", "w", encoding="utf-8") as out:
        for rec in records:
            if rec["kind"] == "recorded":
                entry = {
                    "kind": "recorded",
                    "source": rec["source"],
                    "key": rec["key"],
                    "value": rec["value"],
                }
                out.write(json.dumps(entry, ensure_ascii=False) + "\n")
    print(f"recorded {name}")


def main() -> None:
    os.environ["LLMSPELL_HOME"] = tempfile.mkdtemp(prefix="llmspell-record-")
    for name in ("chat", "structured-extraction", "provider-fallback"):
        record(name)
    server = OpenAICompatibleServer().start()
    standin = {
        "LLMSPELL_PROVIDER_STANDIN_BASE_URL": server.base_url,
        "LLMSPELL_MODEL": "standin/tool-caller",
    }
    server.script(
        Reply(tool_calls=[{"name": "calculate", "arguments": {"expression": "17 * 23 + 4"}}]),
        Reply(
            tool_calls=[
                {"name": "file_write", "arguments": {"path": "data/answer.txt", "content": "395"}}
            ]
        ),
        Reply(text="17 * 23 + 4 = 395. I saved it to data/answer.txt."),
    )
    record("tool-agent", standin)
    (BOOK / "tool-agent" / "data" / "answer.txt").unlink(missing_ok=True)
    server.script(
        Reply(
            tool_calls=[
                {"name": "transfer_to_billing", "arguments": {"reason": "duplicate charge"}}
            ]
        ),
        Reply(
            text="I'm sorry about the double charge. I have refunded the duplicate payment; "
            "it will appear within 5 working days."
        ),
    )
    record("agent-handoff", standin)
    server.stop()


if __name__ == "__main__":
    main()
