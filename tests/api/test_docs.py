"""The curl examples of docs/api.md, replayed with the test client against a test world.

Every ``curl`` line of a ``sh`` block that has a ``# <status>`` comment under it is parsed
(``-X``, ``-H``, ``-F`` with ``@file``, ``-d`` with ``@file``) and sent; the answer must have
that status. ``# 201 (NAME)`` keeps the answer's ``id`` in ``$NAME`` for the next examples,
``(NAME=field)`` another field. Variables (``$B``, ``$…_KEY``, ids) come from the world below.
"""

import datetime as dt
import json
import re
import shlex
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from evaluation.services.committees import committee_form
from tests.api.conftest import START
from tests.api.test_roles import PNG
from tests.api_tokens import issue_test_token
from tests.worlds import contract_signed, equal_scores, tender_opened, tender_published

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
EXPECT = re.compile(r"^#\s*(\d{3})((?:\s*\(\w+(?:=\w+)?\))*)\s*$")
CAPTURE = re.compile(r"\((\w+)(?:=(\w+))?\)")
PDF = b"%PDF-1.4\n% doc example\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def doc_examples() -> list[tuple[str, int, list[tuple[str, str]]]]:
    """Return (curl command, expected status, captures) for every replayable example."""
    examples, in_sh, lines = [], False, DOC.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("```"):
            in_sh = line == "```sh"
        elif in_sh and line.startswith("curl "):
            command = line
            while command.endswith("\\"):
                i += 1
                command = command[:-1] + " " + lines[i].strip()
            expect = EXPECT.match(lines[i + 1].strip()) if i + 1 < len(lines) else None
            if expect:
                captures = CAPTURE.findall(expect.group(2))
                examples.append((command, int(expect.group(1)), captures))
        i += 1
    return examples


def _substitute(text: str, env: dict) -> str:
    return re.sub(r"\$(\w+)", lambda m: str(env[m.group(1)]), text)


def _upload(name: str):
    data, kind = (PNG, "image/png") if name.endswith(".png") else (PDF, "application/pdf")
    return SimpleUploadedFile(name, data, content_type=kind)


def replay(client, command: str, env: dict, files: dict):
    """Send one curl command with the test client; return the response."""
    words = shlex.split(command)
    assert words[0] == "curl"
    method, headers, form, body, url = "GET", {}, {}, None, None
    words = iter(words[1:])
    for word in words:
        if word in ("-s", "-i"):
            continue
        if word in ("-o", "-w"):
            next(words)
        elif word == "-X":
            method = next(words)
        elif word == "-H":
            name, value = next(words).split(":", 1)
            headers[name.strip()] = _substitute(value.strip(), env)
        elif word == "-F":
            name, value = _substitute(next(words), env).split("=", 1)
            value = _upload(value[1:]) if value.startswith("@") else value
            form.setdefault(name, []).append(value)
            method = "POST" if method == "GET" else method
        elif word == "-d":
            value = next(words)
            body = files[value[1:]] if value.startswith("@") else _substitute(value, env)
            method = "POST" if method == "GET" else method
        else:
            assert url is None, f"unknown curl option {word!r} in docs/api.md"
            url = _substitute(word, env)
    content_type = headers.pop("Content-Type", None)
    call = getattr(client, method.lower())
    if body is not None:
        return call(url, data=body, content_type=content_type or "application/json",
                    headers=headers)
    if form:
        return call(url, data=form, headers=headers)
    return call(url, headers=headers)


def test_examples_are_found():
    examples = doc_examples()
    assert len(examples) >= 25
    methods = {re.search(r"-X (\w+)", c).group(1) if "-X" in c else "GET" for c, *_ in examples}
    assert methods == {"GET", "POST"}
    # Every curl line that calls the API is replayed (none without an expected status).
    text = DOC.read_text(encoding="utf-8")
    assert text.count("curl -s") == len(examples)


def test_the_curl_examples_of_docs_api_md_work(client, world):
    tender = tender_published(world, required_documents=["投标函"])
    scored = tender_opened(world)
    seat = committee_form(tender=scored, actor=world.purchaser, seed="docs").members.first()
    prices = (Decimal("270000.00"), Decimal("280000.00"), Decimal("290000.00"))
    contract = contract_signed(world, tender=tender_opened(world, prices=prices),
                               start=START.date() - dt.timedelta(days=30))
    key = lambda user: issue_test_token(user)[1]  # noqa: E731
    env = {
        "B": "", "ADMIN_KEY": key(world.admin), "RESIDENT_KEY": key(world.resident),
        "BIDDER_KEY": key(world.supplier_staff[0]), "EXPERT_KEY": key(seat.expert),
        "WORKER_KEY": key(world.social_worker), "FINANCE_KEY": key(world.finance),
        "USERNAME": world.finance.username, "FINANCE_ORG": world.finance_org.pk,
        "COMMUNITY": world.community_org.pk, "TENDER": tender.pk, "OPENED": scored.pk,
        "BIDDER_ORG": world.suppliers[0].pk, "SEAT": seat.pk, "CONTRACT": contract.pk,
        "DELIVERABLE": contract.project.deliverables.first().pk,
        "SERVED_ON": (START.date() - dt.timedelta(days=1)).isoformat(),
    }
    scores = {str(bid): {str(c): str(points) for c, points in row.items()}
              for bid, row in equal_scores(scored).items()}
    files = {"scores.json": json.dumps({"scores": scores})}
    for command, status, captures in doc_examples():
        response = replay(client, command, env, files)
        assert response.status_code == status, (command, response.content.decode()[:500])
        assert response.status_code != 500
        for name, field in captures:
            env[name] = response.json()[field or "id"]
