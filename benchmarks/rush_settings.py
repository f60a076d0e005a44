"""Settings of the gunicorn server bench_bid_rush.py starts: the project's, plus the ceiling view.

Never used outside the benchmark: ROOT_URLCONF is benchmarks/rush_urls.py (the project's URLs
and one bare view), and one middleware right after ArrivalTimeMiddleware echoes the arrival time
in a response header so the script can tell an on-time refusal from a late one.
"""

from config.settings import *  # noqa: F403
from config.settings import MIDDLEWARE

ROOT_URLCONF = "rush_urls"
MIDDLEWARE = [MIDDLEWARE[0], "rush_urls.ArrivalEchoMiddleware", *MIDDLEWARE[1:]]
