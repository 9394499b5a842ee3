"""The form a worker fills in with the client to add a reminder."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..fields import WholeNumberField
from .services import WEEKDAY_NAMES

WEEKDAYS = [(str(number), name) for number, name in enumerate(WEEKDAY_NAMES)]


class RuleForm(FlaskForm):
    text = StringField(
        _l("Vad ska påminnelsen säga?"),
        validators=[DataRequired(_l("Skriv vad påminnelsen ska säga.")), Length(max=120)],
    )
    channel = SelectField(
        _l("Hur?"),
        choices=[
            ("sms", _l("sms")),
            ("call", _l("automatiskt samtal")),
            ("portal", _l("bara i portalen")),
        ],
    )
    recurrence = SelectField(
        _l("När?"),
        choices=[
            ("daily", _l("varje dag")),
            ("weekdays", _l("vissa veckodagar")),
            ("once", _l("en gång")),
            ("visit", _l("före varje besök (dagen före 18:00 och 1 timme före)")),
        ],
    )
    local_time = TimeField(_l("Klockan"), validators=[Optional()])
    on_date = DateField(_l("Dag (för en gång)"), validators=[Optional()])
    weekdays = SelectMultipleField(
        _l("Veckodagar"),
        choices=WEEKDAYS,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )
    ask_reply = BooleanField(_l("Be klienten svara 1 när det är gjort"))
    important = BooleanField(_l("Viktig: utan svar får handläggaren veta"))
    reply_within_minutes = WholeNumberField(
        _l("Säg till mig om inget svar kommit inom (minuter)"),
        default=60,
        validators=[Optional(), NumberRange(min=10, max=24 * 60)],
    )
    client_chose_time = BooleanField(_l("Klienten har själv valt en tid mellan 21 och 08"))
