"""Who made the edits found in a step, from the Drive revision history (best effort).

Drive records who changed the file and when, not which cell. So when every revision since
the last look (other than the service account's own) is by one person, the edits are theirs:
the events' actor is ``sheet:<username>`` when that email belongs to a staff account, else
``sheet:<email>``. With no such revision, or several people, it is plain ``sheet``.
Google merges revisions made close together and lists new ones with a delay, so this can
only narrow things down; the event says "from the sheet" in every case.
"""

from __future__ import annotations

from datetime import datetime

from gspread.urls import DRIVE_FILES_API_V3_URL

SHEET = "sheet"
MAX_PAGES = 10
ACTOR_LIMIT = 100
CLOCK_MARGIN = 2.0  # seconds: Google's clock and ours, and edits made as we read


def editors_since(http_client, key: str, since: float, call) -> list[str]:
    """Distinct editor emails of revisions after ``since`` (epoch seconds), not ours.
    ``call(fn)`` runs a request under the worker's retry and quota rules."""
    url = f"{DRIVE_FILES_API_V3_URL}/{key}/revisions"
    params = {
        "fields": "nextPageToken,revisions(id,modifiedTime,lastModifyingUser)",
        "pageSize": 1000,
    }
    revisions: list[dict] = []
    for _ in range(MAX_PAGES):
        page = call(lambda p=dict(params): http_client.request("get", url, params=p).json())
        revisions += page.get("revisions", [])
        token = page.get("nextPageToken")
        if not token:
            break
        params["pageToken"] = token
    editors = []
    for revision in revisions:
        user = revision.get("lastModifyingUser") or {}
        if user.get("me"):
            continue
        try:
            when = datetime.fromisoformat(revision["modifiedTime"].replace("Z", "+00:00"))
        except (KeyError, ValueError):
            continue
        if when.timestamp() < since - CLOCK_MARGIN:
            continue
        email = (user.get("emailAddress") or "").strip().lower()
        if email and email not in editors:
            editors.append(email)
    return editors


def actor_for(editors: list[str], usernames_by_email: dict[str, str]) -> str:
    if len(editors) != 1:
        return SHEET
    email = editors[0]
    who = usernames_by_email.get(email, email)
    return f"{SHEET}:{who}"[:ACTOR_LIMIT]
