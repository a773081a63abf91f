"""Questionnaires offered to people after their case, whose answers are kept apart from who
they are: the questions as data (``model``, one YAML file per questionnaire), reading a posted
form's answers (``answers``), the store of invitations and answers (``store``) and the link
offered in a message (``inviting``).

The satisfaction survey, offered once a case is closed, is the first; another (equality
monitoring, say) is a new YAML file and a new entry in ``model.KNOWN``, and reuses the rest.
"""
