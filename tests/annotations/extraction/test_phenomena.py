"""One test per phenomenon of issue 14, on invented sentences."""

from annotations.extraction import extract_quotes


def test_extract_quotes_title_moves_to_speaker_title():
    text = "“We will fix the roads,” said Councillor Tomas Reyes."
    (q,) = extract_quotes(text)
    assert (q.speaker, q.speaker_title) == ("Tomas Reyes", "Councillor")
    assert q.as_dict()["speaker_title"] == "Councillor"


def test_extract_quotes_title_kept_for_later_surname_mentions():
    text = (
        "Inspector Raymond Cole arrived at noon.\n\n"
        "“It was a break-in,” Cole said.\n\n"
        "Alderman Ruth Bell and Rep. Dana Voss toured the site. “Taxes go up,” Voss said."
    )
    quotes = extract_quotes(text)
    assert [(q.speaker, q.speaker_title) for q in quotes] == [
        ("Raymond Cole", "Inspector"),
        ("Dana Voss", "Rep."),
    ]


def test_extract_quotes_no_title_is_none():
    (q,) = extract_quotes("“We sell out by noon,” said Maria Lopez.")
    assert (q.speaker, q.speaker_title) == ("Maria Lopez", None)
