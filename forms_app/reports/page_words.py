"""The words of a report's page in English and Welsh, apart from its tables' (those are in
``words``): headings, the introduction, the summary's sentences and the notes about the figures.

The Welsh was written by a developer: a Welsh speaker should review it before a report is
published (the Welsh pages say ``welsh_review: pending`` in their front matter).
"""

from __future__ import annotations

PAGE_WORDS = {
    "en": {
        "year": "annual report {label}",
        "quarter": "quarterly report {label}",
        "custom": "report for {label}",
        "title": "Feedback, complaints and compliments: {what}",
        "intro": (
            "This report covers {span}. It counts the compliments, comments, concerns, "
            "enquiries and complaints {org} received, how quickly and how well we dealt with "
            "complaints, and what we are changing because of them. The figures are as they "
            "stood on {as_at}."
        ),
        "each_table": (
            "Under each table a sentence says how its figures are counted. Each chart shows the "
            "numbers of the table just above it."
        ),
        "summary": "Summary",
        "sum_complaints": "We received {n} complaints, {change} in {before}.",
        "more": "{n} more than",
        "fewer": "{n} fewer than",
        "same": "the same number as",
        "sum_compliments": "We received {n} compliments.",
        "sum_well_founded": (
            "{n} of the {closed} complaints we closed ({pct}) were upheld or partially upheld."
        ),
        "sum_responded": (
            "{n} of our {total} full responses to complaints ({pct}) were within the target time."
        ),
        "sum_acknowledged": "{n} of {total} complaints ({pct}) were acknowledged on time.",
        "sum_ombudsman": "{n} complaints were referred to the {ombudsman}.",
        "sum_ombudsman_none": "No complaints were referred to the {ombudsman}.",
        "sum_actions": (
            "We agreed {agreed} learning actions because of complaints; {completed} of them "
            "({pct}) are finished."
        ),
        "sum_actions_none_done": (
            "We agreed {agreed} learning actions because of complaints; none is finished yet."
        ),
        "sum_actions_due": " The earliest is due by {when}.",
        "sum_actions_overdue": " The earliest was due by {when}.",
        "sum_no_actions": "We agreed no learning actions this period.",
        "received_h": "Feedback we received",
        "services_h": "Complaints by service",
        "stages_h": "Complaints by stage",
        "outcomes_h": "What we found",
        "themes_h": "What complaints were about",
        "compliments_h": "Compliments",
        "timeliness_h": "How quickly we responded",
        "ombudsman_h": "The ombudsman",
        "learning_h": "Learning from complaints",
        "examples_h": "You said, we did",
        "examples_intro": (
            "Some of the complaints and other feedback we dealt with, and what we did about "
            "them. Each was written for publication and approved by a member of staff who "
            "publishes our reports. Names and contact details have been replaced with 😊, "
            "dates, ages and local places with a marker such as [date], and words that say "
            "whether someone is a man or a woman with neutral ones."
        ),
        "compliment_quotes_h": "What people said",
        "compliment_quotes_intro": (
            "Some of the compliments people sent us, approved for publication. Names have "
            "been replaced with 😊, and dates, ages and local places with a marker such as "
            "[date]."
        ),
        "few_h": "Services with few or no complaints",
        "few_intro": (
            "Few or no complaints about a service may mean it is working well, or that people "
            "who use it find it hard to complain. We look at both."
        ),
        "few_none": "No complaints this period: {list}.",
        "few_few": "Fewer than {n} complaints this period: {list}.",
        "few_nothing": "Every service received {n} or more complaints this period.",
        "plan_h": "Our improvement plan",
        "data_h": "Download the data",
        "data_intro": (
            "The numbers in this report as CSV files you can open in a spreadsheet, with a "
            "description of every file ({datapackage}, a Frictionless Data package). The "
            "files have the same numbers as the page, with small numbers hidden in the same "
            "way."
        ),
        "returns": (
            "Also in the package: the returns we make to regulators. They are counted in the "
            "same way as the tables above."
        ),
        "about_h": "About these figures",
        "about_dates": (
            "A piece of feedback belongs to the period it was received in. A stage of a "
            "complaint belongs to the period it started in, a response to the period it was "
            "given in, and a complaint's final outcome to the period it was closed in. Working "
            "days are Monday to Friday, not counting bank holidays {nation} or days we are "
            "closed."
        ),
        "withheld": (
            "This table is not shown: its numbers are so small that people could be "
            "identified from it, whatever was hidden."
        ),
        "chart_alt": "Bar chart: {title}. The numbers are in the table above.",
        "note": "Note",
        "outcome_label": "Outcome",
        "reports_list_h": "Reports",
        "period": "Period",
    },
    "cy": {
        "year": "adroddiad blynyddol {label}",
        "quarter": "adroddiad chwarterol {label}",
        "custom": "adroddiad ar gyfer {label}",
        "title": "Adborth, cwynion a chanmoliaeth: {what}",
        "intro": (
            "Mae'r adroddiad hwn yn ymdrin â {span}. Mae'n cyfrif y ganmoliaeth, y sylwadau, y "
            "pryderon, yr ymholiadau a'r cwynion a gafodd {org}, pa mor gyflym a pha mor dda y "
            "gwnaethom ddelio â chwynion, a beth rydym yn ei newid o'u herwydd. Mae'r ffigurau "
            "fel yr oeddent ar {as_at}."
        ),
        "each_table": (
            "O dan bob tabl mae brawddeg yn dweud sut mae ei ffigurau'n cael eu cyfrif. Mae "
            "pob siart yn dangos rhifau'r tabl yn union uwch ei phen."
        ),
        "summary": "Crynodeb",
        "sum_complaints": "Cawsom {n} o gwynion, {change} yn {before}.",
        "more": "{n} yn fwy na",
        "fewer": "{n} yn llai na",
        "same": "yr un nifer â",
        "sum_compliments": "Cawsom {n} o ganmoliaethau.",
        "sum_well_founded": (
            "O'r {closed} o gwynion a gaewyd gennym, cafodd {n} ({pct}) eu cadarnhau neu eu "
            "cadarnhau'n rhannol."
        ),
        "sum_responded": (
            "Roedd {n} o'n {total} o ymatebion llawn i gwynion ({pct}) o fewn yr amser targed."
        ),
        "sum_acknowledged": "Cafodd {n} o {total} o gwynion ({pct}) eu cydnabod mewn pryd.",
        "sum_ombudsman": "Cafodd {n} o gwynion eu cyfeirio at {ombudsman}.",
        "sum_ombudsman_none": "Ni chafodd yr un gŵyn ei chyfeirio at {ombudsman}.",
        "sum_actions": (
            "Cytunwyd ar {agreed} o gamau dysgu oherwydd cwynion; mae {completed} ohonynt "
            "({pct}) wedi'u cwblhau."
        ),
        "sum_actions_none_done": (
            "Cytunwyd ar {agreed} o gamau dysgu oherwydd cwynion; nid oes yr un wedi'i gwblhau eto."
        ),
        "sum_actions_due": " Mae'r cyntaf i'w gwblhau erbyn {when}.",
        "sum_actions_overdue": " Roedd y cyntaf i fod wedi'i gwblhau erbyn {when}.",
        "sum_no_actions": "Ni chytunwyd ar unrhyw gamau dysgu y cyfnod hwn.",
        "received_h": "Yr adborth a gawsom",
        "services_h": "Cwynion fesul gwasanaeth",
        "stages_h": "Cwynion fesul cam",
        "outcomes_h": "Beth a ganfuwyd gennym",
        "themes_h": "Am beth roedd cwynion",
        "compliments_h": "Canmoliaeth",
        "timeliness_h": "Pa mor gyflym yr ymatebwyd",
        "ombudsman_h": "Yr ombwdsmon",
        "learning_h": "Dysgu o gwynion",
        "examples_h": "Dywedoch chi, gwnaethom ni",
        "examples_intro": (
            "Rhai o'r cwynion a'r adborth arall y gwnaethom ddelio â nhw, a beth a wnaethom am "
            "y peth. Cafodd pob un ei ysgrifennu i'w gyhoeddi a'i gymeradwyo gan aelod o staff "
            "sy'n cyhoeddi ein hadroddiadau. Mae enwau a manylion cyswllt wedi'u newid am 😊, "
            "dyddiadau, oedrannau a lleoedd lleol am nod fel [dyddiad], a geiriau sy'n dweud "
            "ai dyn neu fenyw yw rhywun am eiriau niwtral. Maent yn yr iaith y cawsant eu "
            "hysgrifennu ynddi."
        ),
        "compliment_quotes_h": "Beth ddywedodd pobl",
        "compliment_quotes_intro": (
            "Rhywfaint o'r ganmoliaeth a anfonodd pobl atom, wedi'i chymeradwyo i'w chyhoeddi. "
            "Mae enwau wedi'u newid am 😊, a dyddiadau, oedrannau a lleoedd lleol am nod fel "
            "[dyddiad]. Mae'n ymddangos yn yr iaith y cafodd ei hysgrifennu ynddi."
        ),
        "few_h": "Gwasanaethau heb fawr ddim cwynion, neu ddim o gwbl",
        "few_intro": (
            "Gall ychydig o gwynion am wasanaeth, neu ddim o gwbl, olygu ei fod yn gweithio'n "
            "dda, neu ei bod yn anodd i'r bobl sy'n ei ddefnyddio gwyno. Rydym yn edrych ar y "
            "ddau."
        ),
        "few_none": "Dim cwynion y cyfnod hwn: {list}.",
        "few_few": "Llai na {n} o gwynion y cyfnod hwn: {list}.",
        "few_nothing": "Cafodd pob gwasanaeth {n} neu fwy o gwynion y cyfnod hwn.",
        "plan_h": "Ein cynllun gwella",
        "data_h": "Lawrlwytho'r data",
        "data_intro": (
            "Y rhifau yn yr adroddiad hwn fel ffeiliau CSV y gallwch eu hagor mewn taenlen, "
            "gyda disgrifiad o bob ffeil ({datapackage}, pecyn Frictionless Data). Mae gan y "
            "ffeiliau yr un rhifau â'r dudalen, gyda rhifau bach wedi'u cuddio yn yr un ffordd."
        ),
        "returns": (
            "Hefyd yn y pecyn: y ffurflenni a anfonwn at reoleiddwyr. Maent yn cael eu cyfrif "
            "yn yr un ffordd â'r tablau uchod."
        ),
        "about_h": "Am y ffigurau hyn",
        "about_dates": (
            "Mae darn o adborth yn perthyn i'r cyfnod y daeth i law. Mae cam cwyn yn perthyn i'r "
            "cyfnod y dechreuodd, ymateb i'r cyfnod y cafodd ei roi, a chanlyniad terfynol cwyn "
            "i'r cyfnod y cafodd ei chau. Diwrnodau gwaith yw dydd Llun i ddydd Gwener, heb "
            "gyfrif gwyliau banc {nation} na diwrnodau pan fyddwn ar gau."
        ),
        "withheld": (
            "Nid yw'r tabl hwn yn cael ei ddangos: mae ei rifau mor fach fel y gellid adnabod "
            "pobl ohono, beth bynnag a guddiwyd."
        ),
        "chart_alt": "Siart bar: {title}. Mae'r rhifau yn y tabl uchod.",
        "note": "Nodyn",
        "outcome_label": "Canlyniad",
        "reports_list_h": "Adroddiadau",
        "period": "Cyfnod",
    },
}

#: One piece of feedback of each kind, in Welsh (the headings of "you said, we did").
SINGULAR_CY = {
    "complaint": "Cwyn",
    "concern": "Pryder",
    "comment": "Sylw",
    "enquiry": "Ymholiad",
    "compliment": "Canmoliaeth",
}
