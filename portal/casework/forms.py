"""Forms of the caseworker's and worker's casework pages.

On the mapping and order pages the per-area boxes (one pair per life area) are read from the
posted form by the life area's id, since the list of areas is editable; their forms carry the
fixed fields and CSRF.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from models import Channel, EscalationOutcome, FollowUpOutcome, GoalLevel, GrantPeriod, LifeArea

from ..fields import WholeNumberField, coerce_id
from ..labels import GOAL_LEVEL, OUTCOME
from .concerns import ConcernKind
from .followup import OUTCOMES
from .mapping import AreaText
from .orders import OrderGoalText

CONCERN_CHOICES = [
    (ConcernKind.NEED_INCREASED.value, _l("Behovet har ökat")),
    (ConcernKind.NEED_DECREASED.value, _l("Behovet har minskat")),
    (ConcernKind.NOT_ACCEPTING.value, _l("Tar inte emot stödet")),
    (ConcernKind.OTHER.value, _l("Annat")),
    (ConcernKind.CHILD.value, _l("Oro för ett barn")),
]


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Anteckning"), validators=[DataRequired(), Length(max=2000)])
    waiting = BooleanField(_l("Ärendet väntar på något"))


class FollowUpForm(FlaskForm):
    channel = SelectField(
        _l("Hur"),
        choices=[
            (Channel.VIDEO.value, _l("video")),
            (Channel.PHONE.value, _l("telefon")),
            (Channel.HOME.value, _l("besök")),
        ],
    )
    message = TextAreaField(_l("Meddelande till boendestödjaren"), validators=[Length(max=500)])


class CloseForm(FlaskForm):
    outcome = SelectField(
        _l("Utfall"),
        choices=[("", "–")] + [(o.value, OUTCOME[o.value]) for o in EscalationOutcome],
        validators=[InputRequired(_l("Välj ett utfall."))],
    )
    reason = TextAreaField(
        _l("Motivering"),
        validators=[DataRequired(_l("Skriv en kort motivering.")), Length(max=2000)],
    )


class GoalRow(FlaskForm):
    class Meta:
        csrf = False

    life_area = StringField(_l("Livsområde"), validators=[Optional(), Length(max=80)])
    text = StringField(_l("Personligt mål"), validators=[Optional(), Length(max=500)])


class DecisionForm(FlaskForm):
    starts_on = DateField(_l("Gäller från"), validators=[DataRequired()])
    ends_on = DateField(_l("Gäller till och med"), validators=[DataRequired()])
    granted_minutes = WholeNumberField(
        _l("Beviljad tid (minuter)"), validators=[InputRequired(), NumberRange(1, 3600)]
    )
    granted_per = SelectField(
        _l("Per"),
        choices=[(GrantPeriod.WEEK.value, _l("vecka")), (GrantPeriod.MONTH.value, _l("månad"))],
    )
    overall_goal = StringField(_l("Övergripande mål"), validators=[Optional(), Length(max=500)])
    goals = FieldList(FormField(GoalRow), min_entries=3, max_entries=3)
    reason = TextAreaField(_l("Motivering"), validators=[Optional(), Length(max=2000)])


class PlanGoalRow(FlaskForm):
    class Meta:
        csrf = False

    client_words = StringField(_l("Målet med klientens egna ord"), validators=[Length(max=500)])
    activity = StringField(_l("Aktivitet"), validators=[Length(max=1000)])
    level = SelectField(_l("Nivå"), choices=[(lv.value, GOAL_LEVEL[lv.value]) for lv in GoalLevel])
    #: Choices are the current order's goals, set by the view ("" = none).
    order_goal = SelectField(_l("Tjänar beställningens mål"), choices=[("", "")], default="")


class PlanForm(FlaskForm):
    goals = FieldList(FormField(PlanGoalRow), min_entries=5, max_entries=5)
    change_note = StringField(_l("Vad har ändrats?"), validators=[Length(max=500)])
    rating_every_weeks = WholeNumberField(
        _l('Fråga klienten "Hur går det?" var … vecka (tomt: som förut)'),
        validators=[Optional(), NumberRange(1, 52, _l("Skriv ett antal veckor från 1 till 52."))],
    )


class ConcernForm(FlaskForm):
    kind = SelectField(_l("Vad gäller det?"), choices=CONCERN_CHOICES)
    text = TextAreaField(
        _l("Beskriv kort"),
        validators=[DataRequired(_l("Beskriv kort vad du har sett.")), Length(max=2000)],
    )


#: The longest text a box takes; longer is refused with a message, never cut.
MAX_TEXT = 2000
DATE_NEEDED = [DataRequired(_l("Skriv ett datum."))]
PER_CHOICES = [(GrantPeriod.WEEK.value, _l("vecka")), (GrantPeriod.MONTH.value, _l("månad"))]


class MappingStartForm(FlaskForm):
    mapper = SelectField(
        _l("Kartläggare"), coerce=coerce_id, validators=[InputRequired(_l("Välj en kartläggare."))]
    )
    starts_on = DateField(_l("Börjar"), validators=DATE_NEEDED)
    ends_on = DateField(_l("Slutar (tomt: om fyra veckor)"), validators=[Optional()])


class MappingAreasForm(FlaskForm):
    """The areas' boxes are ``area-<id>-today`` and ``area-<id>-wishes``."""


def area_texts(data: MultiDict, areas: list[LifeArea]) -> list[AreaText]:
    return [
        AreaText(
            a.id,
            (data.get(f"area-{a.id}-today") or "")[: MAX_TEXT + 1],
            (data.get(f"area-{a.id}-wishes") or "")[: MAX_TEXT + 1],
        )
        for a in areas
    ]


def too_long(texts: list[str]) -> bool:
    return any(len(t) > MAX_TEXT for t in texts)


class OrderForm(FlaskForm):
    """The order's goals are ``goal-<life area id>``."""

    starts_on = DateField(_l("Gäller från"), validators=DATE_NEEDED)
    ends_on = DateField(_l("Gäller till och med"), validators=DATE_NEEDED)
    minutes = WholeNumberField(
        _l("Tid (minuter)"), validators=[InputRequired(_l("Skriv tiden.")), NumberRange(1, 3600)]
    )
    per = SelectField(_l("Per"), choices=PER_CHOICES)
    follow_up_on = DateField(_l("Uppföljning den"), validators=DATE_NEEDED)


def goal_texts(data: MultiDict, areas: list[LifeArea]) -> list[OrderGoalText]:
    return [OrderGoalText(a.id, (data.get(f"goal-{a.id}") or "")[:501]) for a in areas]


DECISION_CHOICES = [
    ("", _l("Inget nytt beslut")),
    ("change", _l("Ändra beviljad tid från ett datum")),
    ("end", _l("Avsluta beslutet från ett datum")),
]


class FollowUpRecordForm(FlaskForm):
    held_on = DateField(_l("Uppföljningen hölls"), validators=DATE_NEEDED)
    what_works = TextAreaField(
        _l("Det här fungerar"),
        validators=[DataRequired(_l("Skriv vad som fungerar.")), Length(max=MAX_TEXT)],
    )
    what_changes = TextAreaField(_l("Det här ändras"), validators=[Length(max=MAX_TEXT)])
    outcome = SelectField(
        _l("Utfall"),
        choices=[("", "–")] + [(o.value, OUTCOMES[o]) for o in FollowUpOutcome],
        validators=[InputRequired(_l("Välj ett utfall."))],
    )
    decision = SelectField(_l("Beslut"), choices=DECISION_CHOICES)
    effective_from = DateField(_l("Från och med"), validators=[Optional()])
    minutes = WholeNumberField(_l("Ny beviljad tid (minuter)"), validators=[Optional(),
                               NumberRange(1, 3600)])  # fmt: skip
    per = SelectField(_l("Per"), choices=PER_CHOICES)

    def validate_decision(self, field) -> None:
        if field.data and self.effective_from.data is None:
            raise ValidationError(_l("Skriv från vilket datum beslutet gäller."))
        if field.data == "change" and self.minutes.data is None:
            raise ValidationError(_l("Skriv den nya beviljade tiden."))
