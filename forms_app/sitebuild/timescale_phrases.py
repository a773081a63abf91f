"""Data only: the phrase tables the procedure's timescales are written with, English and
Welsh. ``forms_app.sitebuild.timescales`` picks from them and fills in the numbers; nothing
here is code.

- ``ESCALATION_NOTES``, ``LEGAL_BASIS_CY``: the Welsh for the notes in the shipped procedure
  profiles (a profile's text missing here stays English and is listed by
  ``timescales.untranslated``; the stage and ombudsman names are in ``language.welsh``);
- ``TEXT``: the sentences and table headings of the standard wording, per language, with
  slots (``{d}``, ``{m}``, ``{name}``, ``{nation}``) for the numbers and names;
- ``KIND_TEXT`` and ``EASY_KIND_TEXT``: the other kinds of feedback (``OTHER_KINDS``), in the
  standard and the easy read wording.

A Welsh speaker should review the Welsh before going live.
"""

from __future__ import annotations

OTHER_KINDS = ("concern", "enquiry", "compliment", "comment")

# Welsh for the text in the shipped profiles --------------------------------------------------

#: Escalation notes (written for staff in the profiles) as the public reads them: the
#: profile's note, then (English, Welsh).
ESCALATION_NOTES = {
    (
        "For adult social care (arranged or paid for by a council, or paid for by the person), "
        "the Local Government and Social Care Ombudsman instead: https://www.lgo.org.uk, "
        "0300 061 0614."
    ): (
        "If your complaint is about adult social care that a council arranged or paid for, or "
        "that you paid for yourself, contact the Local Government and Social Care Ombudsman "
        "instead: [www.lgo.org.uk](https://www.lgo.org.uk), 0300 061 0614.",
        "Os yw eich cwyn am ofal cymdeithasol i oedolion a gafodd ei drefnu neu ei dalu gan "
        "gyngor, neu a daloch amdano eich hun, cysylltwch â'r Local Government and Social Care "
        "Ombudsman yn lle hynny: [www.lgo.org.uk](https://www.lgo.org.uk), 0300 061 0614.",
    ),
    (
        "Only for serious concerns about how the charity is run, such as risk to people, fraud "
        "or misuse of money. It does not decide individual complaints."
    ): (
        "Only for serious concerns about how the charity is run, such as risk to people, fraud "
        "or misuse of money. It does not decide individual complaints.",
        "Dim ond ar gyfer pryderon difrifol am y ffordd y caiff yr elusen ei rhedeg, fel risg i "
        "bobl, twyll neu gamddefnyddio arian. Nid yw'n penderfynu ar gwynion unigol.",
    ),
    (
        "Normally after the three stages, though the ombudsman may look at a complaint sooner "
        "if the council has delayed."
    ): (
        "Usually once all three stages are over, though the ombudsman may look at a complaint "
        "sooner if the council has delayed.",
        "Fel arfer ar ôl y tri cham, er y gall yr ombwdsmon edrych ar gŵyn yn gynt os yw'r "
        "cyngor wedi oedi.",
    ),
}

#: The law or guidance each shipped profile follows, in Welsh. English Acts and regulations
#: have no Welsh title and keep their English one.
LEGAL_BASIS_CY = {
    "england-nhs-social-care-2009": (
        "The Local Authority Social Services and National Health Service Complaints (England) "
        "Regulations 2009 (OS 2009/309)"
    ),
    "england-council-lgsco-2026": (
        "Cod Ymdrin â Chwynion y Local Government and Social Care Ombudsman, sy'n berthnasol i "
        "gynghorau yn Lloegr o 1 Ebrill 2026"
    ),
    "scotland-spso": (
        "Scottish Public Services Ombudsman Act 2002, a gweithdrefn enghreifftiol yr SPSO ar "
        "gyfer ymdrin â chwynion yn y sector (cynghorau, byrddau integreiddio a byrddau'r GIG)"
    ),
    "wales-social-services-2014": (
        "Rheoliadau Gweithdrefn Gwynion y Gwasanaethau Cymdeithasol (Cymru) 2014 (OS 2014/1794)"
    ),
    "nhs-wales-ptr": (
        "Rheoliadau'r Gwasanaeth Iechyd Gwladol (Pryderon, Cwynion ac Iawn) (Cymru) 2011 "
        "(OS 2011/704), a elwir yn Gweithio i Wella"
    ),
    "northern-ireland-hsc": (
        "Canllawiau'r Adran Iechyd, \"Complaints in Health and Social Care: Standards and "
        'Guidelines for Resolution and Learning", a chyfarwyddiadau gweithdrefn gwynion HSC'
    ),
    "england-children-act-1989": (
        "Children Act 1989 (adrannau 24D, 26 a 26A) a The Children Act 1989 Representations "
        "Procedure (England) Regulations 2006 (OS 2006/1738), gyda'r canllawiau statudol "
        '"Getting the Best from Complaints" (yr Adran Addysg a Sgiliau, 2006)'
    ),
    "charity-help-and-care": (
        "Polisi gwasanaethau cwsmeriaid yr elusen ei hun, a gymeradwywyd gan ei bwrdd "
        "ymddiriedolwyr: nid gweithdrefn statudol"
    ),
}

# Wording -------------------------------------------------------------------------------------

TEXT = {
    "en": {
        "ack_first": "We will let you know we have received your complaint within {d}.",
        "ack_later": "We will let you know we have received your request within {d}.",
        "respond_receipt_first": (
            "We aim to send you our full answer within {d} of receiving your complaint."
        ),
        "respond_receipt_later": (
            "We aim to send you our full answer within {d} of receiving your request."
        ),
        "respond_ack_first": "We aim to send you our full answer within {d} of acknowledging it.",
        "respond_ack_later": "We aim to send you our full answer within {d} of acknowledging it.",
        "respond_agreed": (
            "We will agree with you how long this should take, and keep you up to date."
        ),
        "extension_limit": (
            "If we need more time, we will explain why and give you a new date: up to {d} more."
        ),
        "extension_generic": (
            "If we cannot keep to this, we will tell you why and give you a new date."
        ),
        "look_again": (
            "If you are not happy with our answer, you can ask us to look at your complaint "
            "again at this stage."
        ),
        "next_stage": (
            "If you are not happy with our answer, you can ask for your complaint to go to the "
            "next stage. Our answer will tell you how."
        ),
        "next_stage_none": (
            "If you are not happy with our answer, tell us: we will try to put it right."
        ),
        "final": "If you are still not happy after our final answer, you can contact the {name}.",
        "ombudsman_about": (
            "It is independent and free, and can look at your complaint once you have been "
            "through our procedure."
        ),
        "table_head": ("Stage", "We acknowledge it", "We send our answer", "If we need more time"),
        "cell_ack": "within {d}",
        "cell_no_ack": "no separate acknowledgement",
        "cell_respond_receipt": "within {d} of receipt",
        "cell_respond_ack": "within {d} of our acknowledgement",
        "cell_agreed": "a time agreed with you",
        "cell_ext_limit": "up to {d} more, with reasons",
        "cell_ext_generic": "we tell you why and give a new date",
        "working_days": "Working days are Monday to Friday. We do not count bank holidays {nation}",
        "calendar_days": (
            " Where we say days rather than working days, we count every day, including weekends."
            " If the last day is a weekend, a bank holiday or a day we are closed, we will reply"
            " by the last working day before it."
        ),
        "or": "or",
        "time_limit": (
            "Please tell us as soon as you can. You should usually complain within {m} of what "
            "happened, or of finding out about it. If there is a good reason, we can still look "
            "at a complaint made later."
        ),
        "time_limit_none": (
            "There is no time limit, but please tell us as soon as you can: it is easier to look "
            "into things while they are fresh."
        ),
        "other_head": ("Type of feedback", "What happens"),
        # Easy read and young people: short sentences, everyday words.
        "e_ack_first": "We will tell you we got your complaint within {d}.",
        "e_ack_later": "We will tell you we got it within {d}.",
        "e_respond": "We will try to send you our answer within {d}.",
        "e_agreed": "We will agree with you how long it will take.",
        "e_look_again": "Not happy with our answer? You can ask us to look again.",
        "e_next_none": "Not happy with our answer? Tell us.",
        "e_final": "Still not happy? You can contact the {name}.",
        "e_working_days": "Working days are Monday to Friday. Bank holidays do not count.",
        "e_calendar_days": (
            " Days means every day, even weekends."
            " If the last day is a weekend or holiday, we reply the working day before."
        ),
        "e_time_limit": "Tell us soon. Try to tell us within {m}.",
        "e_time_limit_none": "Tell us as soon as you can.",
    },
    "cy": {
        "ack_first": "Byddwn yn rhoi gwybod i chi ein bod wedi cael eich cwyn o fewn {d}.",
        "ack_later": "Byddwn yn rhoi gwybod i chi ein bod wedi cael eich cais o fewn {d}.",
        "respond_receipt_first": (
            "Ein nod yw anfon ein hateb llawn atoch o fewn {d} ar ôl cael eich cwyn."
        ),
        "respond_receipt_later": (
            "Ein nod yw anfon ein hateb llawn atoch o fewn {d} ar ôl cael eich cais."
        ),
        "respond_ack_first": (
            "Ein nod yw anfon ein hateb llawn atoch o fewn {d} ar ôl i ni ei chydnabod."
        ),
        "respond_ack_later": (
            "Ein nod yw anfon ein hateb llawn atoch o fewn {d} ar ôl i ni ei gydnabod."
        ),
        "respond_agreed": (
            "Byddwn yn cytuno â chi faint o amser y dylai hyn ei gymryd, ac yn rhoi'r "
            "wybodaeth ddiweddaraf i chi."
        ),
        "extension_limit": (
            "Os bydd angen mwy o amser arnom, byddwn yn esbonio pam ac yn rhoi dyddiad newydd "
            "i chi: hyd at {d} yn rhagor."
        ),
        "extension_generic": (
            "Os na allwn gadw at yr amser hwn, byddwn yn dweud wrthych pam ac yn rhoi dyddiad "
            "newydd i chi."
        ),
        "look_again": (
            "Os nad ydych yn fodlon â'n hateb, gallwch ofyn i ni edrych ar eich cwyn eto ar y "
            "cam hwn."
        ),
        "next_stage": (
            "Os nad ydych yn fodlon â'n hateb, gallwch ofyn i'ch cwyn symud i'r cam nesaf. "
            "Bydd ein hateb yn dweud wrthych sut."
        ),
        "next_stage_none": (
            "Os nad ydych yn fodlon â'n hateb, dywedwch wrthym: byddwn yn ceisio unioni pethau."
        ),
        "final": (
            "Os ydych yn dal yn anfodlon ar ôl ein hateb terfynol, gallwch gysylltu â'r corff "
            "annibynnol hwn: {name}."
        ),
        "ombudsman_about": (
            "Mae'n annibynnol ac am ddim, a gall edrych ar eich cwyn ar ôl i chi fynd drwy ein "
            "gweithdrefn ni."
        ),
        "table_head": ("Cam", "Cydnabyddiaeth", "Ein hateb", "Os bydd angen mwy o amser"),
        "cell_ack": "o fewn {d}",
        "cell_no_ack": "dim cydnabyddiaeth ar wahân",
        "cell_respond_receipt": "o fewn {d} i'r dyddiad y daeth i law",
        "cell_respond_ack": "o fewn {d} ar ôl ein cydnabyddiaeth",
        "cell_agreed": "amser a gytunir gyda chi",
        "cell_ext_limit": "hyd at {d} yn rhagor, gyda rheswm",
        "cell_ext_generic": "byddwn yn dweud pam ac yn rhoi dyddiad newydd",
        "working_days": (
            "Diwrnodau gwaith yw dydd Llun i ddydd Gwener. Nid ydym yn cyfrif gwyliau banc {nation}"
        ),
        "calendar_days": (
            " Pan fyddwn yn dweud diwrnodau yn hytrach na diwrnodau gwaith, rydym yn cyfrif pob "
            "diwrnod, gan gynnwys penwythnosau. Os yw'r diwrnod olaf yn benwythnos, yn ŵyl banc "
            "neu'n ddiwrnod pan fyddwn ar gau, byddwn yn ateb erbyn y diwrnod gwaith olaf cyn "
            "hynny."
        ),
        "or": "na",
        "time_limit": (
            "Rhowch wybod i ni cyn gynted ag y gallwch. Fel arfer, dylech gwyno o fewn {m} i'r "
            "hyn a ddigwyddodd, neu i chi ddod i wybod amdano. Os oes rheswm da, gallwn edrych "
            "ar gŵyn sy'n dod yn hwyrach."
        ),
        "time_limit_none": (
            "Nid oes terfyn amser, ond rhowch wybod i ni cyn gynted ag y gallwch: mae'n haws "
            "edrych ar bethau tra eu bod yn ffres yn y cof."
        ),
        "other_head": ("Math o adborth", "Beth sy'n digwydd"),
        "e_ack_first": "Byddwn yn cadarnhau ein bod wedi cael eich cwyn o fewn {d}.",
        "e_ack_later": "Byddwn yn dweud wrthych ein bod wedi ei gael o fewn {d}.",
        "e_respond": "Byddwn yn ceisio anfon ein hateb atoch o fewn {d}.",
        "e_agreed": "Byddwn yn cytuno â chi faint o amser fydd ei angen.",
        "e_look_again": "Ddim yn hapus â'n hateb? Gallwch ofyn i ni edrych eto.",
        "e_next_none": "Ddim yn hapus â'n hateb? Dywedwch wrthym.",
        "e_final": "Dal ddim yn hapus? Gallwch gysylltu â'r corff hwn: {name}.",
        "e_working_days": (
            "Diwrnodau gwaith yw dydd Llun i ddydd Gwener. Nid yw gwyliau banc yn cyfrif."
        ),
        "e_calendar_days": (
            " Mae diwrnodau yn golygu pob diwrnod, hyd yn oed penwythnosau."
            " Os yw'r diwrnod olaf yn benwythnos neu'n ŵyl, byddwn yn ateb y diwrnod gwaith cynt."
        ),
        "e_time_limit": "Dywedwch wrthym yn fuan. Ceisiwch ddweud wrthym o fewn {m}.",
        "e_time_limit_none": "Dywedwch wrthym cyn gynted ag y gallwch.",
    },
}

#: Other kinds of feedback: a label, then a sentence for an acknowledgement target, one for a
#: response target, and one for when the profile sets neither.
KIND_TEXT = {
    "en": {
        "concern": (
            "Concerns",
            "We will let you know we have your concern within {d}.",
            "We aim to sort out a concern within {d}.",
            "We aim to sort out a concern as quickly as we can.",
        ),
        "enquiry": (
            "Asking PALS for help or advice",
            "PALS will let you know they have your request within {d}.",
            "PALS aim to get back to you within {d}.",
            "PALS will get back to you as soon as they can.",
        ),
        "compliment": (
            "Compliments",
            "We will thank you within {d}, and pass your compliment on.",
            "We will reply within {d}, and pass your compliment on.",
            "We pass every compliment on to the people it is about.",
        ),
        "comment": (
            "Comments and suggestions",
            "We will let you know we have your comment within {d}.",
            "We will reply within {d}.",
            "We read every comment and suggestion. We do not usually reply.",
        ),
    },
    "cy": {
        "concern": (
            "Pryderon",
            "Byddwn yn rhoi gwybod i chi ein bod wedi cael eich pryder o fewn {d}.",
            "Ein nod yw datrys pryder o fewn {d}.",
            "Ein nod yw datrys pryder cyn gynted ag y gallwn.",
        ),
        "enquiry": (
            "Gofyn i PALS am help neu gyngor",
            "Bydd PALS yn rhoi gwybod i chi eu bod wedi cael eich cais o fewn {d}.",
            "Nod PALS yw cysylltu â chi o fewn {d}.",
            "Bydd PALS yn cysylltu â chi cyn gynted ag y gallant.",
        ),
        "compliment": (
            "Canmoliaeth",
            "Byddwn yn diolch i chi o fewn {d}, ac yn rhannu eich canmoliaeth.",
            "Byddwn yn ateb o fewn {d}, ac yn rhannu eich canmoliaeth.",
            "Rydym yn rhannu pob canmoliaeth gyda'r bobl y mae'n sôn amdanynt.",
        ),
        "comment": (
            "Sylwadau ac awgrymiadau",
            "Byddwn yn rhoi gwybod i chi ein bod wedi cael eich sylw o fewn {d}.",
            "Byddwn yn ateb o fewn {d}.",
            "Rydym yn darllen pob sylw ac awgrym. Nid ydym fel arfer yn ateb.",
        ),
    },
}

EASY_KIND_TEXT = {
    "en": {
        "concern": (
            "Worried about something?",
            "We will tell you we got it within {d}.",
            "We will try to sort it out within {d}.",
            "We will try to sort it out quickly.",
        ),
        "enquiry": (
            "Need help or advice?",
            "PALS will tell you they got it within {d}.",
            "PALS will get back to you within {d}.",
            "PALS will get back to you soon.",
        ),
        "compliment": (
            "Want to say thank you?",
            "We will thank you within {d}.",
            "We will write back within {d}.",
            "We will tell the staff.",
        ),
        "comment": (
            "Have an idea?",
            "We will tell you we got it within {d}.",
            "We will write back within {d}.",
            "We read every idea. We may not write back.",
        ),
    },
    "cy": {
        "concern": (
            "Yn poeni am rywbeth?",
            "Byddwn yn dweud wrthych ein bod wedi ei gael o fewn {d}.",
            "Byddwn yn ceisio ei ddatrys o fewn {d}.",
            "Byddwn yn ceisio ei ddatrys yn gyflym.",
        ),
        "enquiry": (
            "Angen help neu gyngor?",
            "Bydd PALS yn dweud wrthych eu bod wedi ei gael o fewn {d}.",
            "Bydd PALS yn cysylltu â chi o fewn {d}.",
            "Bydd PALS yn cysylltu â chi yn fuan.",
        ),
        "compliment": (
            "Eisiau dweud diolch?",
            "Byddwn yn diolch i chi o fewn {d}.",
            "Byddwn yn ateb o fewn {d}.",
            "Byddwn yn dweud wrth y staff.",
        ),
        "comment": (
            "Oes gennych chi syniad?",
            "Byddwn yn dweud wrthych ein bod wedi ei gael o fewn {d}.",
            "Byddwn yn ateb o fewn {d}.",
            "Rydym yn darllen pob syniad. Efallai na fyddwn yn ateb.",
        ),
    },
}
