"""Pure pieces of the richer answers: tool input splitting, ids, attachment lines, the cache."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st

from local.bedrock.cache import PromptCache, checkpoints, usage
from local.bedrock.model import Attachment, CachePrefix
from local.bedrock.parts import attachment_lines, make_id, split_json, tool_call, tool_input


def test_tool_input_is_the_rest_as_an_object_or_wrapped_text() -> None:
    assert tool_input('{"city": "Paris"}') == {"city": "Paris"}
    assert tool_input("Paris") == {"text": "Paris"}
    assert tool_input("[1, 2]") == {"text": "[1, 2]"}  # JSON, but not an object
    assert tool_input("") == {"text": ""}


def test_json_is_split_mid_string_and_mid_escape() -> None:
    document = json.dumps({"quote": 'say "hi"\n', "city": "Paris"}, separators=(",", ":"))
    pieces = split_json(document)
    assert "".join(pieces) == document
    assert len(pieces) >= 4
    assert any(piece.endswith("\\") for piece in pieces)  # a piece ends inside an escape
    ends = {sum(len(piece) for piece in pieces[: k + 1]) for k in range(len(pieces))}
    assert document.index("\\") + 1 in ends  # the first escape is always cut in two
    assert any(piece.count('"') % 2 for piece in pieces)  # one ends inside a string
    assert all(pieces)


@given(st.dictionaries(st.text(max_size=8), st.text(max_size=20) | st.integers(), max_size=5))
def test_any_input_reassembles_to_the_exact_json(value: dict[str, object]) -> None:
    call = tool_call("req", "get_weather", json.dumps(value))
    assert json.loads(call.input_json) == value
    assert call.input_json == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if len(call.input_json) > 3:
        assert len(call.pieces) >= 2


def test_tool_ids_look_like_bedrocks_and_are_stable() -> None:
    one = make_id("seed", "tooluse_")
    assert one == make_id("seed", "tooluse_")
    assert one != make_id("other", "tooluse_")
    assert one.startswith("tooluse_")
    assert len(one) == len("tooluse_") + 22
    assert one[len("tooluse_") :].isalnum()


def test_attachment_lines() -> None:
    items = [
        Attachment("image", "png", b"\x89PNG", "m[0].c[1].image"),
        Attachment("document", "md", b"# hi\n", "m[0].c[2].document", name="n"),
    ]
    sha = [hashlib.sha256(item.data).hexdigest()[:12] for item in items]
    assert attachment_lines(items) == f"image png 4 {sha[0]}\ndocument md 5 {sha[1]}"


def test_checkpoints_need_the_minimum_since_the_previous_one() -> None:
    prefixes = [CachePrefix("a", 500), CachePrefix("b", 1100), CachePrefix("c", 1500)]
    assert [p.key for p in checkpoints(prefixes, 1024)] == ["b"]
    assert [p.key for p in checkpoints(prefixes, 450)] == ["a", "b"]
    assert [p.key for p in checkpoints(prefixes, 400)] == ["a", "b", "c"]
    assert checkpoints(prefixes, 4096) == []


def test_usage_reads_the_longest_cached_prefix_and_writes_the_rest() -> None:
    chosen = [CachePrefix("a", 1000), CachePrefix("b", 3000)]
    first = usage(set(), chosen, total=3500)
    assert (first.input_tokens, first.cache_read, first.cache_write) == (500, 0, 3000)
    again = usage({"a", "b"}, chosen, total=3500)
    assert (again.input_tokens, again.cache_read, again.cache_write) == (500, 3000, 0)
    partly = usage({"a"}, chosen, total=3500)
    assert (partly.input_tokens, partly.cache_read, partly.cache_write) == (500, 1000, 2000)


def test_the_cache_is_per_model_and_can_be_cleared() -> None:
    cache = PromptCache()
    prefixes = [CachePrefix("k", 2000)]
    assert cache.account("model-a", prefixes, 1024, 2100).cache_write == 2000
    assert cache.account("model-a", prefixes, 1024, 2100).cache_read == 2000
    assert cache.account("model-b", prefixes, 1024, 2100).cache_write == 2000
    cache.clear()
    assert cache.account("model-a", prefixes, 1024, 2100).cache_write == 2000
    short = cache.account("model-a", [CachePrefix("s", 100)], 1024, 150)
    assert (short.cache_read, short.cache_write, short.cached) == (0, 0, True)
