"""Words staff read for the codes stored in the data (the staff pages are in English)."""

from __future__ import annotations

KINDS = {
    "complaint": "Complaint",
    "concern": "Concern",
    "comment": "Comment",
    "compliment": "Compliment",
    "enquiry": "Enquiry (PALS)",
}
STATUS = {
    "on_time": ("On time", "govuk-tag--green"),
    "due_soon": ("Due within 2 working days", "govuk-tag--yellow"),
    "overdue": ("Overdue", "govuk-tag--red"),
    "paused": ("Paused", "govuk-tag--grey"),
    "": ("No date due", "govuk-tag--grey"),
}
CASE_STATUS = {"open": "Open", "closed": "Closed", "withdrawn": "Withdrawn", "merged": "Merged"}
OUTCOMES = {
    "upheld": "Upheld",
    "partially_upheld": "Partially upheld",
    "not_upheld": "Not upheld",
    "resolved": "Resolved without a finding",
    "withdrawn": "Withdrawn",
    "other": "Other",
}
FLAGS = {
    "safeguarding": "Safeguarding",
    "unacceptable_conduct": "Unacceptable conduct",
    "communication_needs": "Communication needs",
    "confidential": "Confidential",
    "councillor_mp": "Councillor or MP involved",
    "quarantine": "Quarantined: possibly automated (honeypot filled in)",
    # Set by `feedback records hold|restrict` (data protection), not from the case page.
    "legal_hold": "Legal hold: not to be purged",
    "restricted": "Processing restricted (data protection)",
}
CHANNELS = {
    "online": "Online form",
    "phone": "Phone",
    "letter": "Letter",
    "email": "Email",
    "in_person": "In person",
    "import": "Imported",
}
NEEDS = {
    "large_print": "Large print",
    "easy_read": "Easy read",
    "bsl": "British Sign Language",
    "braille": "Braille",
    "audio": "Audio",
    "interpreter": "Interpreter",
    "hearing_loop": "Hearing loop",
    "other": "Other",
}
LANGUAGES = {"en": "English", "cy": "Welsh (Cymraeg)"}
ACTION_STATUS = {"open": "Not started", "in_progress": "In progress", "completed": "Completed"}
EVENTS = {
    "acknowledged": "Acknowledged",
    "assigned": "Owner assigned",
    "kind_changed": "Kind changed",
    "service_changed": "Service changed",
    "procedure_changed": "Procedure changed",
    "stage_entered": "Stage started",
    "extension_agreed": "Extension agreed",
    "paused": "Clock paused",
    "resumed": "Clock restarted",
    "letter_sent": "Letter produced",
    "responded": "Response sent",
    "outcome_recorded": "Outcome recorded",
    "cause_recorded": "Underlying cause recorded",
    "remedy_recorded": "Remedy recorded",
    "signed_off": "Response signed off",
    "theme_added": "Theme added",
    "theme_removed": "Theme removed",
    "flag_set": "Flag set",
    "flag_cleared": "Flag cleared",
    "review_set": "Review date set",
    "contact_logged": "Contact logged",
    "person_replied": "Message from the person (tracking page)",
    "person_added_file": "File from the person (tracking page)",
    "request_sent": "Request to an investigator",
    "request_answered": "Request answered",
    "request_file_added": "File with an answer to a request",
    "request_reminded": "Reminder sent about a request",
    "request_revoked": "Request's link revoked",
    "request_withdrawn": "Request withdrawn",
    "action_added": "Learning action added",
    "action_owner_set": "Learning action owner",
    "action_target_set": "Learning action target date",
    "action_updated": "Learning action progress",
    "action_completed": "Learning action completed",
    "note": "Note",
    "ombudsman_referred": "Referred to the ombudsman",
    "ombudsman_outcome": "Ombudsman's outcome",
    "publication_approved": "Approved for publication",
    "closed": "Closed",
    "reopened": "Reopened",
    "withdrawn": "Withdrawn",
    "case_linked": "Linked to a related case",
    "case_unlinked": "Link to a related case removed",
    "merged_into": "Merged into another case",
    "merged_from": "A duplicate was merged into this case",
    "unmerged": "Merge undone",
}
#: How a search result matched the query.
MATCHED = {
    "reference": "Reference",
    "email": "Email address",
    "phone": "Phone number",
    "postcode": "Postcode",
    "name": "Name",
    "text": "Words in what they wrote",
    "merged": "The case the match was merged into",
}
#: What the person told us on the form, in plain words (the codes are in datapackage/schemas).
VARIANTS = {
    "standard": "Standard wording",
    "easy-read": "Easy read",
    "young-people": "Young people's wording",
}
RELATIONSHIPS = {
    "parent": "Parent",
    "partner": "Partner",
    "relative": "Relative",
    "carer": "Carer",
    "friend": "Friend",
    "advocate": "Advocate",
    "professional": "Professional (for example a social worker or GP)",
    "other": "Other",
}
CONSENT = {
    "agreed": "Yes: they agree to the complaint being made for them",
    "lacks_capacity": "They cannot agree: they lack the mental capacity to decide",
    "child": "They cannot agree: they are a child",
    "deceased": "They cannot agree: they have died",
    "not_yet": "Not asked yet: get their consent before sharing anything about them",
    "other": "Other reason",
}
#: Consent answers that mean details about the person must not be shared yet.
CONSENT_MISSING = ("not_yet", "other", "")
ADVOCATE = {
    "yes": "Yes: they would like help from an independent advocate",
    "no": "No",
    "already_have": "They already have an advocate",
}
HAPPENING_NOW = {"yes": "Yes: it is happening now and needs sorting out quickly", "no": "No"}
TRIED_ALREADY = {
    "spoke_to_staff": "Spoke to the staff involved",
    "contacted_pals": "Contacted PALS (the Patient Advice and Liaison Service)",
    "both": "Spoke to the staff involved and contacted PALS",
    "no": "Not yet",
}
PREFERRED_CONTACT = {"email": "Email", "phone": "Phone", "post": "Post"}
ON_BEHALF = {"self": "Themselves", "someone_else": "Someone else"}
