"""The staff search over 100,000 cases: the median time of a mixed set of searches (reference,
surname, full name, email, phone typed three ways, postcode, words, a word nobody wrote)
through the real route with a signed-in manager, in one process, after a first search has
built the index. The first search's time is reported beside it.

The cases are synthetic and varied (``bench.scale.make_data_dir`` writes every case with one
name and one phone number, which no search would meet in life): a few thousand names, a
hundred postcodes, a handful of sentences, a fifth of the cases closed.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.scale import make_data_dir

PROJECT = Path(__file__).resolve().parent.parent
CASES = 100_000
SEARCHES = 50

FIRST = "Alys Bethan Carys Dafydd Elin Emrys Ffion Gareth Gwen Huw Iolo Lowri Mali Nia Owain"
SURNAMES = (
    "Jones Davies Williams Evans Thomas Roberts Hughes Lewis Morgan Griffiths Price Owen "
    "Prydderch Pritchard Rees Jenkins Powell Parry Lloyd Vaughan Bowen Howells Probert Watkins"
)
SENTENCES = (
    "The carer was late again and my mother missed her lunch.",
    "Nobody answered the phone at the surgery for three days.",
    "The hoist in the bathroom was broken for a fortnight.",
    "Thank you to the night staff on the ward for their kindness.",
    "The letter about the appointment came after the date.",
    "The discharge was rushed and no care package was in place.",
    "Staff spoke to my father as if he was not in the room.",
    "The medication was given at the wrong time twice.",
)


def make_search_dir(data_dir: Path, cases: int = CASES, seed: int = 19) -> list[dict]:
    """Write ``cases`` varied cases (and an event each, a fifth of them closing it) straight
    into the tables, encoded by the store; return what the searches will look for."""
    from forms_app.storage.contract import Contract
    from forms_app.storage.table import Table

    make_data_dir(data_dir, submissions=0, events=0)  # the descriptor and empty tables
    contract = Contract()
    tables = {
        name: Table(data_dir / f"{name}.csv", contract.columns(name))
        for name in contract.resource_names
    }
    blank = {
        name: {column: "" for column in contract.columns(name) if column != "crc"}
        for name in contract.resource_names
    }
    rng = random.Random(seed)
    firsts, surnames = FIRST.split(), SURNAMES.split()
    postcodes = [f"CF{n} {d}{a}{b}" for n in range(1, 11) for d in (1, 4) for a, b in ("AA", "BT")]
    base = datetime(2022, 1, 1, tzinfo=UTC)
    picked: list[dict] = []
    for start in range(0, cases, 20_000):
        subs, people, events = [], [], []
        for i in range(start, min(start + 20_000, cases)):
            ref = f"S{i:07d}"
            first, surname = rng.choice(firsts), rng.choice(surnames)
            person = {
                "ref": ref,
                "name": f"{first} {surname}",
                "email": f"{first}.{surname}{i}@example.com".lower(),
                "phone": f"07700 9{i % 100000:05d}",
                "postcode": rng.choice(postcodes),
            }
            received = base + timedelta(minutes=7 * i)
            subs.append(
                {
                    **blank["submissions"],
                    "ref": ref,
                    "idempotency_key": f"search-key-{i:012d}",
                    "received": received.isoformat(),
                    "kind": "complaint",
                    "variant": "standard",
                    "language": "en",
                    "channel": "online",
                    "procedure": "charity-help-and-care",
                    "service": rng.choice(("home-care", "mental-health", "learning-disability")),
                    "details": " ".join(rng.sample(SENTENCES, 2)),
                    "anonymous": "false",
                }
            )
            people.append({**blank["personal"], **person, "preferred_contact": "email"})
            events.append(
                {
                    **blank["events"],
                    "event_id": f"search{i:010d}",
                    "ref": ref,
                    "at": (received + timedelta(hours=2)).isoformat(),
                    "actor": "officer.a",
                    "type": "closed" if i % 5 == 0 else "note",
                    "note": "Called back.",
                }
            )
            if i % 997 == 0:
                picked.append(person)
        tables["personal"].append(people)
        tables["submissions"].append(subs)
        tables["events"].append(events)
    return picked


def queries(picked: list[dict], count: int = SEARCHES) -> list[str]:
    """A mixed set of searches, as staff type them."""
    made: list[str] = []
    for person in picked:
        digits = person["phone"].replace(" ", "")
        made += [
            person["ref"].lower(),
            person["name"].split()[1],
            person["name"],
            person["email"].upper(),
            digits,
            "+44 " + digits[1:5] + " " + digits[5:],
            person["postcode"].replace(" ", "").lower(),
            "hoist",
            "medication wrong time",
            "zebracrossing",
        ]
        if len(made) >= count:
            break
    return made[:count]


_CODE = """
import json, os, statistics, sys, time
sys.path.insert(0, {project!r})
os.environ["FORMS_APP_DATA_DIR"] = {data_dir!r}
from forms_app import create_app
from forms_app.accounts.users import UserBook
from tests.support.staff import PASSWORD, sign_in
app = create_app()
user = UserBook(app.extensions["feedback"].settings.data_dir).add(
    "bench.manager", name="Bench Manager", password=PASSWORD, roles=["manager"])
client = app.test_client()
assert sign_in(client, "bench.manager", user.totp_secret).status_code in (302, 303)
queries = {queries!r}
started = time.perf_counter()
first = client.get("/staff/search", query_string={{"q": queries[0]}})
assert first.status_code == 200, first.status_code
first_s = time.perf_counter() - started
times, found, slowest = [], 0, []
for q in queries:
    t = time.perf_counter()
    response = client.get("/staff/search", query_string={{"q": q}})
    times.append(time.perf_counter() - t)
    slowest.append((round(1000 * times[-1], 1), q))
    assert response.status_code == 200, (q, response.status_code)
    found += "/staff/cases/" in response.text
print(json.dumps({{"median": statistics.median(times), "max": max(times), "first": first_s,
                   "found": found, "count": len(queries),
                   "slowest": sorted(slowest)[-5:]}}))
"""


def _time_searches(data_dir: Path, typed: list[str]) -> dict:
    code = _CODE.format(project=str(PROJECT), data_dir=str(data_dir), queries=typed)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(scratch: Path) -> dict:
    data_dir = scratch / "search-100k"
    typed = queries(make_search_dir(data_dir))
    timed = _time_searches(data_dir, typed)
    return {
        "search_ms_100k": round(1000 * timed["median"], 1),
        "detail_search": {
            "max_ms_100k": round(1000 * timed["max"], 1),
            "first_search_s_100k": round(timed["first"], 2),
            "searches": timed["count"],
            "with_results": timed["found"],
            "slowest_ms": timed["slowest"],
        },
    }


if __name__ == "__main__":
    import tempfile

    (PROJECT / "build").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=PROJECT / "build") as scratch:
        print(json.dumps(measure(Path(scratch)), indent=2))
