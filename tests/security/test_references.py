"""S5 (references): 10,000 random well-formed references, plus every real one, against every
route that takes a reference (found in ``app.url_map``) and the public pages: 0 case data
disclosed, and the answer for a real reference is indistinguishable from a made-up one."""

from __future__ import annotations

import random
import re

import pytest

from forms_app.demo.data import make_demo_data
from forms_app.storage.references import ALPHABET, LENGTH
from tests.support.security_world import fresh_world, rules
from tests.support.staff import make_people, sign_in
from tests.support.tier import scaled

COUNT = 10_000
# Signed in, every refused look-up is written (fsync) to the audit log: ~8 ms each on this disk.
SIGNED_IN_COUNT = scaled(1_000, 10_000)
SEED = 20_251_123
NONCE = re.compile(r"nonce-[A-Za-z0-9_-]+|nonce=\"[^\"]+\"|value=\"[A-Za-z0-9_.-]{20,}\"")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with fresh_world(tmp_path_factory, "refs") as built:
        data_dir = built.parts.settings.data_dir
        make_demo_data(built.parts, count=40, seed=7)
        # An officer who covers no service: every case is someone else's.
        secret = make_people(data_dir, {"nia": ("Nia Swyddog", ["officer"], [])})["nia"]
        outsider = built.app.test_client()
        assert sign_in(outsider, "nia", secret).status_code == 302
        built.clients["nia"] = outsider
        yield built


def _random_refs(count: int) -> list[str]:
    rng = random.Random(SEED)
    refs = []
    for _ in range(count):
        symbols = "".join(rng.choice(ALPHABET) for _ in range(LENGTH))
        refs.append(f"{symbols[:4]}-{symbols[4:]}")
    return refs


def _case_tokens(world) -> tuple[list[str], set[str]]:
    """Every stored reference, and what must never show: names, emails, phones, details."""
    store = world.parts.store
    refs = [row["ref"] for row in store.rows("submissions")]
    tokens = set()
    for row in store.rows("personal"):
        tokens |= {row.get(k, "") for k in ("name", "email", "phone", "address")}
    for row in store.rows("submissions"):
        tokens |= {row.get("details", "")[:40], row.get("thank_who", "")}
    return refs, {t for t in tokens if len(t) >= 6}


def _shape(response, ref: str) -> tuple:
    """The response with the reference and per-response randomness taken out."""
    body = NONCE.sub("*", response.get_data(as_text=True).replace(ref, "REF"))
    location = response.headers.get("Location", "").replace(ref, "REF")
    return response.status_code, location, body


def _combos(world) -> list[tuple[str, str, str]]:
    """(who, method, url pattern) for every route taking a reference, signed out and signed in
    as an officer who may see no case, plus the public pages given a reference."""
    combos = []
    for rule in rules(world.app):
        if "ref" not in rule.arguments:
            continue
        args = {
            "ref": "{ref}",
            "name": "note",
            "letter_id": "AAAAAAAAAAAAAAAA",
            "file_id": "NoSuchFile0123456789ab",
            "ident": "R-NoSuchOne",
            "change": "revoke",
        }
        _domain, path = rule.build({k: args[k] for k in rule.arguments}, append_unknown=False)
        path = path.replace("%7Bref%7D", "{ref}")
        for method in sorted(rule.methods & {"GET", "POST"}):
            for who in ("public", "outsider"):
                combos.append((who, method, path))
    for pattern in (
        "/{ref}/{ref}",
        "/complaint/?ref={ref}",
        "/cy/{ref}/",
        # A reference where a survey link's token goes tells nothing either.
        "/survey/{ref}",
        "/cy/easy-read/survey/{ref}",
        # Nor where an equality questions link's token goes.
        "/equality/{ref}",
        "/cy/young-people/equality/{ref}",
    ):
        combos.append(("public", "GET", pattern))
    return combos


def test_random_references_disclose_nothing(world):
    real, tokens = _case_tokens(world)
    assert len(real) >= 40 and len(tokens) >= 40
    combos = _combos(world)
    assert len(combos) >= 20, "routes taking a reference went missing from url_map"
    clients = {"public": world.app.test_client(), "outsider": world.clients["nia"]}
    # Each random reference against one combination in turn (signed out: all 10,000; signed
    # in: the tier's count); every real reference against every combination.
    public = [c for c in combos if c[0] == "public"]
    inside = [c for c in combos if c[0] == "outsider"]
    randoms = _random_refs(COUNT)
    probes = [(ref, public[n % len(public)]) for n, ref in enumerate(randoms)]
    probes += [(ref, inside[n % len(inside)]) for n, ref in enumerate(randoms[:SIGNED_IN_COUNT])]
    probes += [(ref, combo) for ref in real for combo in combos]
    shapes: dict[tuple, set] = {}
    disclosed = []
    for ref, (who, method, pattern) in probes:
        response = clients[who].open(pattern.format(ref=ref), method=method)
        assert response.status_code < 500, (pattern, response.status_code)
        text = response.get_data(as_text=True)
        disclosed.extend(token for token in tokens if token in text)
        shapes.setdefault((who, method, pattern), set()).add(_shape(response, ref))
    assert disclosed == []
    # A real reference gets exactly the answer a made-up one gets, on every route.
    different = {key: len(found) for key, found in shapes.items() if len(found) != 1}
    assert different == {}, different
    print(
        f"S5: {COUNT} random references signed out, {SIGNED_IN_COUNT} signed in, "
        f"{len(real)} real ones, over {len(combos)} route/method/client combinations"
    )


def test_bulk_posts_answer_real_and_made_up_references_alike(world):
    """The bulk actions take references in the body, not the address: signed in as an officer
    who may see no case, a real reference gets the answer a made-up one gets, and nothing of
    the case shows."""
    from tests.support.staff import csrf

    real, tokens = _case_tokens(world)
    outsider = world.clients["nia"]
    shapes = set()
    disclosed = []
    for ref in real[:10] + _random_refs(10):
        token = csrf(outsider.get("/staff/inbox").text)
        response = outsider.post(
            "/staff/bulk", data={"csrf_token": token, "action": "acknowledge", "refs": ref}
        )
        assert response.status_code == 200, response.status_code
        text = response.get_data(as_text=True)
        disclosed.extend(token for token in tokens if token in text)
        shapes.add(_shape(response, ref))
    assert disclosed == []
    assert len(shapes) == 1
