"""What a field expected, in words a complaints officer can act on, from a schema rule broken.

The rule itself lives in the schema (via ``Contract``); this only says it in words. Patterns that
would read as line noise get a plain description; anything else falls back to the rule.
"""

from __future__ import annotations

from forms_app.storage.contract import Contract, FieldProblem

# Plain descriptions of the schema's patterns, by field name.
PATTERNS = {
    "ref": "a reference of 3 to 40 letters, digits, /, _ or -, starting with a letter or digit",
    "email": "an email address such as name@example.com",
    "phone": "a phone number: 7 to 30 digits, spaces, brackets or -, optionally starting with +",
    "postcode": "a UK postcode such as CF10 1AA",
    "service": "a service code: lower-case letters, digits, - or _",
    "procedure": "a procedure code",
    "communication_needs": (
        "codes separated by ; from: large_print, easy_read, bsl, braille, audio, "
        "interpreter, hearing_loop, other"
    ),
    "event_id": "8 to 64 letters, digits, _ or -",
    "idempotency_key": "16 to 64 letters, digits, _ or -",
}
TYPES = {
    "date": "a date",
    "datetime": "a date (and time)",
    "boolean": "true or false (map the column's words to true and false)",
    "integer": "a whole number",
    "number": "a number",
}


def expected(contract: Contract, resource: str, problem: FieldProblem) -> str:
    """What the field needed, e.g. ``one of: upheld, partially_upheld`` or ``at most 200
    characters``. Never includes the value that failed: it may be personal."""
    code, limit = problem.code, problem.limit
    if code == "required":
        return "a value (it is required)"
    if code == "enum":
        return "one of: " + ", ".join(map(str, limit))
    if code == "maxLength":
        return f"at most {limit} characters"
    if code == "minLength":
        return f"at least {limit} character{'s' if limit != 1 else ''}"
    if code == "pattern":
        return PATTERNS.get(problem.field, f"text matching the pattern {limit}")
    if code == "type":
        field_type = contract.field(resource, problem.field)["type"]
        return TYPES.get(field_type, field_type)
    if code == "unknown_field":
        return "no such field in the schema"
    return f"{code} {limit}" if limit is not None else code
