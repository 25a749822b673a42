"""News item x tone: the VADER compound score (-1 .. +1) of each English headline (title and, where the
feed gives one, the summary is not used: headlines are what the reports show). VADER's lexicon is
English only, so an item in another language (the sample's Vietnamese feed) is marked not scored
instead of being given a meaningless 0. vaderSentiment ships its lexicon: no download at run time."""

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


def model(dbt, session):
    dbt.config(materialized="table")
    items = dbt.ref("stg_news_items").df()[["item_key", "language", "title"]]
    analyzer = SentimentIntensityAnalyzer()
    scored = [
        isinstance(lang, str) and lang.lower().startswith("en") and isinstance(title, str)
        for lang, title in zip(items["language"], items["title"])
    ]
    out = items[["item_key", "language"]].copy()
    out["tone_scored"] = scored
    out["tone_compound"] = [
        float(analyzer.polarity_scores(t)["compound"]) if ok else None for t, ok in zip(items["title"], scored)
    ]
    out["tone_compound"] = out["tone_compound"].astype("float64")
    out["tone_note"] = [
        None if ok else f"not scored: VADER is English only (language {lang})"
        for lang, ok in zip(items["language"], scored)
    ]
    out["item_key"] = out["item_key"].astype("string")
    out["language"] = out["language"].astype("string")
    out["tone_note"] = out["tone_note"].astype("string")
    return out
