from assistant.reading.cleaning import Cleaned, clean_article_text, clean_text

BODY = (
    "The town council approved a new cycle lane on Monday after a long debate.\n\n"
    "Work on the lane is expected to start in the spring and last about six months."
)


def test_clean_text_normalises_unicode_whitespace_and_line_endings():
    raw = "Cafe\u0301 owners\u00a0 met\t\tthe mayor.\r\nSecond\u200b line\u2060 here\ufeff.\r\n\r\n\r\n\r\nNew\x07 paragraph\x00."
    assert clean_text(raw) == "Café owners met the mayor.\nSecond line here.\n\nNew paragraph."


def test_clean_text_keeps_paragraph_breaks_and_strips_edges():
    assert clean_text("\n\n  First para.  \n\n\n Second para. \n") == "First para.\n\nSecond para."


def test_trailing_read_also_list_is_dropped():
    text = BODY + "\nRead also:\n- Lighthouse keeper retires after forty years\n- Ferry timetable changes for winter\n"
    assert clean_article_text(text).text == BODY


def test_related_heading_list_stops_at_prose():
    text = (
        "The bakery reopened its doors on Friday.\n\nRelated stories\n\nBakery fire: what we know\n"
        "Flour prices climb again\n\nOwners said the repairs had cost more than they had hoped, "
        "but that customers had been patient throughout the closure."
    )
    cleaned = clean_article_text(text).text
    assert "Related stories" not in cleaned and "Flour prices" not in cleaned
    assert cleaned.startswith("The bakery reopened")
    assert cleaned.endswith("patient throughout the closure.")


def test_heading_followed_by_sentences_is_a_section_not_links():
    text = "Intro line here.\nMore on the storm\n• Winds reached 90 km/h along the coast on Tuesday.\n"
    assert "Winds reached 90 km/h" in clean_article_text(text).text


def test_most_read_and_you_may_also_like_blocks():
    text = (
        BODY
        + "\n\nMost read\n1. Mayor opens new library\n2. Flood warning lifted\n\nYou may also like:\nCheese festival returns"
    )
    assert clean_article_text(text).text == BODY


def test_share_newsletter_and_ad_prompts_are_dropped():
    prompts = [
        "Share this article",
        "Advertisement",
        "Sign up for our newsletter",
        "Click here to see the full gallery",
        "Follow us on Twitter",
        "Need a break? Play the USA TODAY Daily Crossword Puzzle.",
        "Video player was slow to load content",
        "How relevant is this ad to you?",
        "Story continues below",
        "***",
        "More:Harbour festival draws record crowds",
        "Related: Five things to know about the new bridge",
        "Contact Ana Ruiz at aruiz@example.com or follow her on X @anaruiz.",
        "This story has been updated with additional details.",
    ]
    text = "\n\n".join(["The museum opened a new wing on Saturday.", *prompts, "Visitors queued for an hour."])
    assert clean_article_text(text).text == "The museum opened a new wing on Saturday.\n\nVisitors queued for an hour."


def test_ordinary_prose_with_trigger_words_is_kept():
    prose = [
        "Police said the two fires were related and that they had read the witness statements twice.",
        "More than 300 people signed the petition, which asks the council to keep the pool open.",
        "The mayor said she would share the findings with residents next week.",
        "Related costs, such as insurance, rose by a fifth last year.",
        "Read more slowly, the report shows the budget gap is wider than first thought.",
        "Advertisement revenue fell 12% in the quarter, the company said.",
        "Residents can sign up for the free repair workshops at the town hall, organisers said.",
        "Washington:Mayor Lena Park said the city would add two clinics. The plan goes to a vote in May.",
        "The meeting started at 7:30 p.m. and ran late.",
    ]
    text = "\n\n".join(prose)
    assert clean_article_text(text).text == text


def test_final_byline_is_removed_and_returned():
    text = BODY + "\nMaria Lopez reported from Lima, and Tom Reed from Quito.\n"
    assert clean_article_text(text) == Cleaned(BODY, "Maria Lopez reported from Lima, and Tom Reed from Quito.")


def test_reuters_and_contributing_bylines():
    assert clean_article_text(BODY + "\n\nReporting by Ada Byrne; Editing by Leo Marsh").byline == (
        "Reporting by Ada Byrne; Editing by Leo Marsh"
    )
    cleaned = clean_article_text(BODY + "\n\nContributing: Sam Hart, The Valley Times")
    assert cleaned == Cleaned(BODY, "Contributing: Sam Hart, The Valley Times")


def test_byline_before_read_also_list():
    text = BODY + "\nIvy Chen reported from Taipei.\nRead also:\n- Tea prices rise\n- Night market expands"
    assert clean_article_text(text) == Cleaned(BODY, "Ivy Chen reported from Taipei.")


def test_dash_credits_in_live_blogs_are_dropped_but_dash_lists_are_kept():
    live = "Polls closed at 8 p.m.\n\n– Dana Cole\n\nTurnout looked high in the north.\n\n– Raj Patel"
    cleaned = clean_article_text(live)
    assert cleaned.text == "Polls closed at 8 p.m.\n\nTurnout looked high in the north."
    assert cleaned.byline == "Raj Patel"
    roster = (
        "The candidates are:\n- Alice Moss\n- Ben Ortiz\n- Cara Lee\nVoting opens on Monday morning for all residents."
    )
    assert clean_article_text(roster).text == roster


def test_no_byline_when_none_present():
    assert clean_article_text(BODY).byline is None
