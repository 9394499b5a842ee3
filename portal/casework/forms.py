"""Forms of the caseworker's and worker's casework pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from models import Channel, EscalationOutcome, GoalLevel, GrantPeriod

from ..fields import WholeNumberField
from ..labels import GOAL_LEVEL, OUTCOME
from .concerns import ConcernKind

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


class ConcernForm(FlaskForm):
    kind = SelectField(_l("Vad gäller det?"), choices=CONCERN_CHOICES)
    text = TextAreaField(
        _l("Beskriv kort"),
        validators=[DataRequired(_l("Beskriv kort vad du har sett.")), Length(max=2000)],
    )
