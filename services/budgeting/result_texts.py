"""A budget's results in words, in each language: why each project was or was not funded, and
the results as the dialog publishes them to everyone who voted.

Each outcome of a count has a ``Reason`` (a code for machines: ``funded``, ``did-not-fit``,
...) and an ``explanation``: the reason in plain words with the amounts that decided it. The
count records the explanation in English, written from one of the templates below (the
message ids of the catalogues); ``explanation`` gives it in a reader's language, its amounts
as that language writes numbers (``10 000`` in Swedish). The templates are the one place
these words are defined, so the recorded text is always one of them.

The published text (``summary``) is written once per language when the results are counted:
in the municipality's default language as the dialog's main text, and in its other languages
beside it, so each voter's notification reads in their own language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from events import texts
from events.texts import N_
from services.budgeting.results import Counting

FUNDED = N_("funded; {left} left after it")
FUNDED_BY_SHARES = N_("funded by equal shares; {left} left after it")
FUNDED_IN_COMPLETION = N_("funded by votes, in the completion; {left} left after it")
DID_NOT_FIT = N_("costs {cost}, {left} was left")
OVER_THE_BUDGET = N_("costs {cost}, more than the whole budget of {budget}")
SHARES_RAN_OUT = N_(
    "its supporters' shares could not pay its cost of {cost}, and the {left} left after the"
    " completion did not cover it"
)
NOT_FEASIBLE = N_("found not feasible on review")
NO_VOTES = N_("nobody voted for it")

TEMPLATES = (
    FUNDED,
    FUNDED_BY_SHARES,
    FUNDED_IN_COMPLETION,
    DID_NOT_FIT,
    OVER_THE_BUDGET,
    SHARES_RAN_OUT,
    NOT_FEASIBLE,
    NO_VOTES,
)


def english(template: str, **amounts: int) -> str:
    """The explanation a count records: ``template`` (one of ``TEMPLATES``) with its amounts
    as plain digits."""
    return template.format(**{name: str(amount) for name, amount in amounts.items()})


def _parser(template: str) -> re.Pattern[str]:
    pattern = re.escape(template)
    for name in re.findall(r"\{(\w+)\}", template):
        pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P<{name}>-?\\d+)")
    return re.compile(pattern)


_PARSERS = tuple((_parser(template), template) for template in TEMPLATES)


def explanation(recorded: str, language: str) -> str:
    """A recorded explanation in ``language``, its amounts written as the language writes
    numbers; one no template knows stays as recorded."""
    for parser, template in _PARSERS:
        found = parser.fullmatch(recorded)
        if found is not None:
            amounts = found.groupdict().items()
            written = {name: texts.format_number(int(value), language) for name, value in amounts}
            return texts.gettext(language, template).format(**written)
    return recorded


def counting_name(counting: Counting, language: str) -> str:
    """How the district was counted, in words a voter reads."""
    if counting is Counting.EQUAL_SHARES:
        return texts.pgettext(language, "budget results", "counted by equal shares")
    return texts.pgettext(language, "budget results", "counted by the most votes first")


@dataclass(frozen=True)
class DistrictLine:
    """A district's result as the published text tells it."""

    name: str
    funded: Sequence[str]  # the funded projects' titles, in the order they were funded
    spent: int
    budget: int
    counting: Counting


def summary(language: str, districts: Sequence[DistrictLine]) -> str:
    """The results in words, in ``language``: a line per district, what it funded, what it
    spent of its budget and how it was counted."""
    lines = [texts.pgettext(language, "budget results", "The participatory budget is counted.")]
    for d in districts:
        funded = ", ".join(d.funded) or texts.pgettext(language, "budget results", "no project")
        lines.append(
            texts.pgettext(
                language,
                "budget results",
                "{district}: {projects} funded ({spent} of {budget} spent, {counting}).",
            ).format(
                district=d.name,
                projects=funded,
                spent=texts.format_number(d.spent, language),
                budget=texts.format_number(d.budget, language),
                counting=counting_name(d.counting, language),
            )
        )
    return "\n".join(lines)
