from inference_pipeline.serving.media import MediaType, negotiate, parse_accept

SUPPORTED = ["text/csv", "application/json", "application/jsonlines"]


def test_parse_keeps_params_and_lowercases_essence():
    media = MediaType.parse("Application/JSONLines; data=text; charset=UTF-8")
    assert media.essence == "application/jsonlines"
    assert media.params == {"data": "text", "charset": "UTF-8"}
    assert media.charset == "UTF-8"
    assert str(media) == "application/jsonlines;data=text;charset=UTF-8"


def test_aliases_normalise():
    assert MediaType.parse("text/x-libsvm").essence == "text/libsvm"
    assert MediaType.parse("application/x-ndjson").essence == "application/jsonlines"


def test_accept_sorted_by_q_and_zero_dropped():
    types = parse_accept("text/csv;q=0.5, application/json, application/x-npy;q=0")
    assert [t.essence for t in types] == ["application/json", "text/csv"]


def test_missing_or_wildcard_accept_gives_default():
    assert negotiate(None, SUPPORTED, "text/csv").essence == "text/csv"
    assert negotiate("", SUPPORTED, "text/csv").essence == "text/csv"
    assert negotiate("*/*", SUPPORTED, "application/json").essence == "application/json"


def test_first_supported_wins_and_params_survive():
    chosen = negotiate("application/x-npy, application/jsonlines;data=text", SUPPORTED, "text/csv")
    assert chosen.essence == "application/jsonlines" and chosen.params == {"data": "text"}


def test_partial_wildcard_prefers_default_then_supported():
    assert negotiate("text/*", SUPPORTED, "text/csv").essence == "text/csv"
    assert negotiate("application/*", SUPPORTED, "text/csv").essence == "application/json"


def test_nothing_acceptable_is_none():
    assert negotiate("application/xml", SUPPORTED, "text/csv") is None
