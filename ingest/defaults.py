"""The live clients' defaults, in a module that imports nothing: `aftershock --help` and every
`aftershock ingest` command show them (IngestRequest, the options' help) without importing the
HTTP stack that `ingest.wealth_live` and `ingest.news_fetch` need, which re-export them."""

FORBES_URL = "https://www.forbes.com/forbesapi/person/rtb/0/position/true.json"
LIMIT = 4000  # above the ~2,750 people on the list, so one page holds everyone
DEADLINE_S = 120.0  # the whole fetch, every attempt and wait included
NEWS_READ_TIMEOUT_S = 15.0
NEWS_MAX_BYTES = 5 * 1024 * 1024
