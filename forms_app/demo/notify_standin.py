"""A stand-in for the GOV.UK Notify API, for the demo and the tests: what would have been sent
is kept, not sent.

It behaves as Notify does for what this service uses (https://docs.notifications.service.gov.uk/
rest-api.html): the API key's JWT is checked (HS256, ``iss`` the service id, ``iat`` within 30
seconds of now, signed with the key's secret), the template must exist and be of the right
type, every placeholder of the template must be given, and errors come in Notify's shape
``{"status_code": n, "errors": [{"error": "...", "message": "..."}]}``. Notifications can be
listed by ``reference``. The templates are this repository's message words
(``forms_app.messages.wording``) under the ids ``messages.config.default_template_id`` gives.

Letters are checked as Notify documents them ("Send a letter" and its error table): the
address is ``address_line_1`` (required) to ``address_line_7`` of the personalisation, at least
3 lines and at most 7 once blank lines are dropped, the first two with a letter or digit, no
line starting with a character the printer refuses, no "no fixed abode", and the last line a
real UK postcode or a country outside the UK (the stand-in knows the countries in
``COUNTRIES``; Notify knows them all). A ``team`` key cannot send letters (403), nor can a
service in trial mode (400): ``key_type`` and ``trial_mode`` set how this stand-in's service is.

``fault`` (a callable taking the request kind, ``"send"`` or ``"find"``) lets a test ask for a
429, a 500, a 500 after the notification was kept, or a reply slower than the client waits.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field

import jwt
from werkzeug.wrappers import Request, Response

from forms_app.messages import wording
from forms_app.messages.config import default_template_id

#: A made-up key in Notify's layout (name, service id, secret) for the demo.
DEMO_API_KEY = "demo-0b5e8a52-6c1e-4c55-a3a8-1f3c1c1d0d01-6e0f2a9b-8d2c-4b8e-9a41-3f7e2d5c1b07"
#: What a fault callable may answer.
FAULTS = ("429", "500", "500-after", "slow-after")
KEY_TYPES = ("live", "team", "test")
ADDRESS_LINES = tuple(f"address_line_{n}" for n in range(1, 8))
#: Characters Notify's printer refuses at the start of an address line (Notify's own list).
NOT_FIRST = '@()=[]"\u201d\\/,<>'
#: A UK postcode once spaces are removed: the outward code, then a digit and two letters that
#: are never C, I, K, M, O or V.
UK_POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][ABD-HJLNP-UW-Z]{2}")
#: Countries outside the UK this stand-in accepts as an address's last line.
COUNTRIES = frozenset(
    {
        "australia", "belgium", "canada", "denmark", "france", "germany", "india",
        "ireland", "italy", "netherlands", "new zealand", "nigeria", "norway", "pakistan",
        "poland", "portugal", "romania", "spain", "sweden", "switzerland", "united states",
        "usa", "bangladesh", "jamaica", "ghana", "kenya", "philippines", "greece",
    }
)  # fmt: skip
#: Notify's error messages for a letter's address.
TOO_FEW_LINES = "Address must be at least 3 lines"
TOO_MANY_LINES = "Address must be no more than 7 lines"
NOT_ALPHANUMERIC = "The first 2 lines of the address must include alphanumeric characters"
BAD_FIRST_CHARACTER = (
    "Address lines must not start with any of the following characters: "
    "@ ( ) = [ ] \u201d \\ / , < >"
)
NOT_POSTCODE_OR_COUNTRY = "Last line of address must be a real UK postcode or another country"
NOT_REAL = "Must be a real address"
TEAM_KEY = "Cannot send letters with a team api key"
TRIAL_MODE = (
    "Cannot send letters when service is in trial mode - see "
    "https://www.notifications.service.gov.uk/trial-mode"
)


@dataclass
class Template:
    id: str
    type: str  # email, sms or letter
    subject: str
    body: str


def repository_templates() -> dict[str, Template]:
    """Every message of the repository's wording as a Notify template, by id."""
    out = {}
    for key in wording.all_template_keys():
        message_type, language, words, channel = key
        text = wording.template(message_type, language, words)
        template_id = default_template_id(wording.template_key(*key))
        out[template_id] = Template(
            template_id, channel, text["subject"] if channel != "sms" else "", text[channel]
        )
    return out


@dataclass
class NotifyStandIn:
    api_key: str = DEMO_API_KEY
    templates: dict[str, Template] = field(default_factory=repository_templates)
    fault: object = None
    slow_seconds: float = 1.0
    notifications: list[dict] = field(default_factory=list)
    requests: int = 0
    key_type: str = "live"
    trial_mode: bool = False

    def __post_init__(self):
        self.service_id = self.api_key[-73:-37]
        self.secret = self.api_key[-36:]
        self.lock = threading.Lock()

    # -- what was kept ------------------------------------------------------------------------

    def by_reference(self, reference: str) -> list[dict]:
        with self.lock:
            return [n for n in self.notifications if n["reference"] == reference]

    def counts_by_reference(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self.lock:
            for n in self.notifications:
                counts[n["reference"]] = counts.get(n["reference"], 0) + 1
        return counts

    # -- the API ------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self.lock:
            self.requests += 1
        refusal = self._check_token(request.headers.get("Authorization", ""))
        if refusal:
            return _error(403, "AuthError", refusal)(environ, start_response)
        path = request.path.rstrip("/")
        if request.method == "POST" and path in (
            "/v2/notifications/email",
            "/v2/notifications/sms",
            "/v2/notifications/letter",
        ):
            response = self._send(request, path.rsplit("/", 1)[1])
        elif request.method == "GET" and path == "/v2/notifications":
            response = self._list(request)
        else:
            response = _error(404, "BadRequestError", "Not found")
        return response(environ, start_response)

    def _check_token(self, header: str) -> str:
        if not header.startswith("Bearer "):
            return "Unauthorized: authentication token must be provided"
        token = header[len("Bearer ") :]
        try:
            head = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return "Invalid token: signature, api token not found"
        if head.get("alg") != "HS256":
            return "Invalid token: algorithm used is not HS256"
        if claims.get("iss") != self.service_id:
            return "Invalid token: service not found"
        try:
            jwt.decode(token, self.secret, algorithms=["HS256"], options={"verify_iat": False})
        except jwt.PyJWTError:
            return "Invalid token: signature, api token is not valid"
        issued = claims.get("iat")
        if not isinstance(issued, int | float) or abs(time.time() - issued) > 30:
            return "Error: Your system clock must be accurate to within 30 seconds"
        return ""

    def _fault(self, kind: str) -> str | None:
        return self.fault(kind) if callable(self.fault) else None

    def _send(self, request: Request, kind: str) -> Response:
        fault = self._fault("send")
        if fault == "429":
            return _error(
                429,
                "RateLimitError",
                "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds",
            )
        if fault == "500":
            return _error(500, "Exception", "Internal server error")
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
        except ValueError:
            return _error(400, "BadRequestError", "Invalid JSON supplied in POST data")
        if not isinstance(body, dict):
            return _error(400, "ValidationError", "Invalid JSON supplied in POST data")
        values = body.get("personalisation") or {}
        if kind == "letter":
            refusal = self._letter_refusal(body, values)
            if refusal is not None:
                return refusal
        template = self.templates.get(str(body.get("template_id", "")))
        if template is None:
            return _error(400, "BadRequestError", "Template not found")
        if template.type != kind:
            return _error(
                400,
                "BadRequestError",
                f"{kind} template is not suitable for {template.type} notification",
            )
        if kind == "letter" and self.trial_mode and self.key_type != "test":
            return _error(400, "BadRequestError", TRIAL_MODE)
        if kind == "letter":
            problem = address_problem([values.get(name) for name in ADDRESS_LINES])
            if problem:
                return _error(400, "ValidationError", problem)
            recipient = ""
        else:
            to_field = "email_address" if kind == "email" else "phone_number"
            recipient = str(body.get(to_field) or "")
            if not recipient:
                return _error(400, "ValidationError", f"{to_field} is a required property")
        missing = [
            name
            for name in wording.placeholders(template.subject + "\n" + template.body)
            if name not in values
        ]
        if missing:
            return _error(400, "BadRequestError", f"Missing personalisation: {', '.join(missing)}")
        kept = {
            "id": str(uuid.uuid4()),
            "reference": body.get("reference"),
            "type": kind,
            "email_address": recipient if kind == "email" else None,
            "phone_number": recipient if kind == "sms" else None,
            **_letter_lines(values if kind == "letter" else {}),
            "postage": "second" if kind == "letter" else None,
            "template": {"id": template.id, "version": 1, "uri": f"/v2/template/{template.id}"},
            "subject": wording.fill(template.subject, values) if template.subject else None,
            "body": wording.fill(template.body, values),
            "status": "created",
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime()),
        }
        with self.lock:
            self.notifications.append(kept)
        if fault == "500-after":
            return _error(500, "Exception", "Internal server error")
        if fault == "slow-after":
            time.sleep(self.slow_seconds)
        return _json(
            201,
            {
                "id": kept["id"],
                "reference": kept["reference"],
                "content": {"body": kept["body"], "subject": kept["subject"]},
                "uri": f"/v2/notifications/{kept['id']}",
                "template": kept["template"],
                **({"scheduled_for": None, "postage": "second"} if kind == "letter" else {}),
            },
        )

    def _letter_refusal(self, body: dict, values) -> Response | None:
        """Notify's refusals of a letter before its template is read: the request's shape
        (``personalisation`` with ``address_line_1``) and a team key."""
        if not isinstance(body.get("personalisation"), dict):
            return _error(400, "ValidationError", "personalisation is a required property")
        if "address_line_1" not in values:
            return _error(
                400, "ValidationError", "personalisation address_line_1 is a required property"
            )
        if self.key_type == "team":
            return _error(403, "BadRequestError", TEAM_KEY)
        return None

    def _list(self, request: Request) -> Response:
        fault = self._fault("find")
        if fault in ("500", "500-after"):
            return _error(500, "Exception", "Internal server error")
        if fault == "429":
            return _error(429, "RateLimitError", "Exceeded rate limit")
        reference = request.args.get("reference")
        with self.lock:
            found = [
                n for n in self.notifications if reference is None or n["reference"] == reference
            ]
        found = list(reversed(found))[:250]
        return _json(200, {"notifications": found, "links": {"current": request.url}})


def address_problem(lines: list) -> str:
    """Notify's words for what is wrong with a letter's address lines, or ""."""
    # As Notify reads them: the lines joined, then split again (a value may hold a newline).
    joined = "\n".join(str(line) for line in lines if line is not None)
    lines = [line.strip() for line in joined.splitlines() if line.strip()]
    if len(lines) < 3:
        return TOO_FEW_LINES
    if len(lines) > 7:
        return TOO_MANY_LINES
    if not all(any(ch.isalnum() for ch in line) for line in lines[:2]):
        return NOT_ALPHANUMERIC
    if any(line[0] in NOT_FIRST for line in lines):
        return BAD_FIRST_CHARACTER
    if any(re.search(r"\bno fixed (abode|address)\b|^nfa$", line, re.I) for line in lines):
        return NOT_REAL
    last = lines[-1]
    if UK_POSTCODE.fullmatch(re.sub(r"\s+", "", last).upper()):
        return ""
    if last.strip().lower() in COUNTRIES:
        return ""
    return NOT_POSTCODE_OR_COUNTRY


def _letter_lines(values: dict) -> dict:
    """A letter's address as Notify lists it: ``line_1`` to ``line_7`` (blank lines dropped)."""
    if not values:
        return {}
    lines = [str(values[n]).strip() for n in ADDRESS_LINES if str(values.get(n) or "").strip()]
    return {f"line_{n}": line for n, line in enumerate(lines, start=1)}


def _json(status: int, payload: dict) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")


def _error(status: int, error: str, message: str) -> Response:
    return _json(status, {"status_code": status, "errors": [{"error": error, "message": message}]})
