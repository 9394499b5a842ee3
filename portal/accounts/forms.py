"""The admin's account forms and the enrolment form (Flask-WTF: each carries a CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from models import Gender, Role

from ..fields import ticked_at_least_one
from ..labels import GENDER, ROLE


def _unit_id(value: object) -> int | None:
    """The unit picked, or None for "no unit"; anything else is refused by the choices."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


USERNAME_RULE = _l("Använd bara bokstäver a–z, siffror, punkt och bindestreck.")


class RolesForm(FlaskForm):
    roles = SelectMultipleField(
        _l("Roller"),
        choices=[(r.value, ROLE[r.value]) for r in Role],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[ticked_at_least_one(_l("Välj minst en roll."))],
    )
    unit = SelectField(_l("Enhet"), coerce=_unit_id, validate_choice=True)
    #: For clients who ask for a woman or a man (matching weighs it: ``criteria.AskedGender``).
    gender = SelectField(
        _l("Kön (för klienter som vill ha en kvinna eller en man)"),
        choices=[("", _l("Inte angivet"))] + [(g.value, GENDER[g.value]) for g in Gender],
        default="",  # left out (an older page): not recorded
        validate_choice=True,
    )

    def chosen_gender(self) -> Gender | None:
        return Gender(self.gender.data) if self.gender.data else None

    def chosen_roles(self) -> set[Role]:
        return {Role(v) for v in self.roles.data or []}


class NewAccountForm(RolesForm):
    username = StringField(
        _l("Användarnamn"),
        validators=[
            DataRequired(_l("Skriv ett användarnamn.")),
            Length(max=60),
            Regexp(r"^[A-Za-z0-9._-]+$", message=USERNAME_RULE),
        ],
    )
    first_name = StringField(
        _l("Förnamn"), validators=[DataRequired(_l("Skriv förnamnet.")), Length(max=80)]
    )
    last_name = StringField(
        _l("Efternamn"), validators=[DataRequired(_l("Skriv efternamnet.")), Length(max=80)]
    )
    phone = StringField(
        _l("Mobilnummer i tjänsten (frivilligt)"), validators=[Optional(), Length(max=40)]
    )


class EnrolForm(FlaskForm):
    password = PasswordField(_l("Nytt lösenord"), validators=[Length(max=200)])
    repeat = PasswordField(_l("Samma lösenord en gång till"), validators=[Length(max=200)])
    code = StringField(_l("Koden som appen visar"), validators=[Length(max=10)])
