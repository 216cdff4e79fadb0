"""The code values the measure definitions of DESIGN.md section 4 count by."""

from __future__ import annotations

from workbench.core.codes import code_list

#: Participation (DESIGN.md section 4): PN1 to PN6 took part, out of every code but PN0
#: (under 4) and blanks. Taken from the code list's child_took_part column, which follows
#: DESIGN.md (PN4, attending without conveying views, counts as taking part there).
PARTICIPATION_TOOK_PART: tuple[str, ...] = tuple(
    row["code"] for row in code_list("participation_codes") if row["child_took_part"] == "Y"
)


PARTICIPATION_COUNTED: tuple[str, ...] = (*PARTICIPATION_TOOK_PART, "PN7")


#: Statements in the child's or family's own words (whose_words).
OWN_WORDS: tuple[str, ...] = ("child", "parent", "family")


#: Outcome statuses that close an outcome with a result, counted by Achieved.
RESULT_STATUSES: tuple[str, ...] = ("achieved", "partly_achieved", "not_achieved")


#: Outcome statuses counted by Constant when they close an outcome within 90 days.
NOT_CONSTANT_STATUSES: tuple[str, ...] = ("replaced", "withdrawn")


#: The authority's evidence threshold (a setting): at or above this level counts as
#: evidence-informed. Levels are ranked by data/codes/evidence_levels.csv; not rated is below.
EVIDENCE_THRESHOLD = "level_3"


#: Overall audit grades that count as good or better.
GOOD_GRADES: tuple[str, ...] = ("good", "outstanding")


#: Grades that grade a whole audit (not applicable has no rank, so it is not a grade here).
GRADED_AUDIT_GRADES: tuple[str, ...] = tuple(row["code"] for row in code_list("audit_grades") if row["rank"])
