"""Form fields shared by the areas' forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Field, IntegerField
from wtforms.validators import StopValidation

from models.numbers import MAX_INT, whole_number


class WholeNumberField(IntegerField):
    """A whole number typed in ASCII or Arabic-Indic digits, made ASCII; nothing else.

    WTForms' own field calls ``int``, which also takes "+5", "1_000" and digits of any script,
    and no upper bound: every number a person types goes through ``whole_number`` instead.
    """

    def __init__(self, *args, maximum: int = MAX_INT, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.maximum = maximum

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        self.data = whole_number(valuelist[0], self.maximum)
        if self.data is None:
            raise ValueError(_l("Skriv ett heltal med siffror."))


def coerce_id(value: object) -> int:
    """``coerce`` for a SelectField of ids: the same digits rule, so "+1" or "1_0" is no id."""
    number = whole_number(str(value))
    if number is None:
        raise ValueError(value)
    return number


def ticked_at_least_one(message: object):
    """A validator for a list of checkboxes: at least one ticked. Unlike ``DataRequired`` it
    sets no ``required`` flag, which would put ``required`` on every box, and a browser would
    then ask for all of them."""

    def check(form: object, field: Field) -> None:
        if not field.data:
            raise StopValidation(message)  # lazy: said in their language

    return check
