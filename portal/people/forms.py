"""Forms of the people pages: a client's details, a first decision, contact workers."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..casework.forms import DecisionForm
from . import registry

#: Ids are checked by the service (what the user may choose); the select only offers them.
_ID = {"validate_choice": False, "choices": []}


class ClientForm(FlaskForm):
    first_name = StringField(
        _l("Förnamn"), validators=[DataRequired(_l("Skriv förnamnet.")), Length(max=80)]
    )
    last_name = StringField(
        _l("Efternamn"), validators=[DataRequired(_l("Skriv efternamnet.")), Length(max=80)]
    )
    personal_number = StringField(
        _l("Personnummer eller samordningsnummer"),
        validators=[DataRequired(_l("Skriv personnumret.")), Length(max=20)],
    )
    phone = StringField(
        _l("Mobilnummer"),
        validators=[DataRequired(_l("Skriv mobilnumret.")), Length(max=40)],
    )
    language = SelectField(
        _l("Språk"),
        choices=[("sv", "svenska"), ("en", "English"), ("ar", "العربية")],
        validate_choice=False,
    )
    wanted_gender = SelectField(
        _l("Vill klienten helst ha en kvinna eller en man som boendestödjare?"),
        choices=[("", _l("Spelar ingen roll")), ("woman", _l("En kvinna")), ("man", _l("En man"))],
        default="",
        validate_choice=False,  # checked by the service, which says what to do
    )
    address = StringField(_l("Adress"), validators=[Optional(), Length(max=200)])
    unit_id = SelectField(_l("Enhet"), **_ID)
    area_id = SelectField(_l("Område"), **_ID)
    lat = StringField(_l("Latitud (om du vet en exaktare position än områdets)"),
                      validators=[Optional(), Length(max=20)])  # fmt: skip
    lon = StringField(_l("Longitud"), validators=[Optional(), Length(max=20)])
    has_children_under_18 = BooleanField(_l("Har barn under 18 år"))
    caseworker_id = SelectField(_l("Handläggare"), **_ID)

    # The service checks these again; here so that every mistake is shown at once.
    def validate_personal_number(self, field: StringField) -> None:
        problem = registry.number_problem(field.data or "", date.today())
        if problem:
            raise ValidationError(problem)

    def validate_phone(self, field: StringField) -> None:
        problem = registry.phone_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class FirstDecisionForm(DecisionForm):
    """The decision form inside the registration form (one CSRF token is the outer form's)."""

    class Meta:
        csrf = False


class ContactsForm(FlaskForm):
    primary = SelectField(_l("Primär kontaktperson"), **_ID)
    second = SelectField(_l("Andra kontaktperson"), **_ID)
    third = SelectField(_l("Tredje kontaktperson"), **_ID)
