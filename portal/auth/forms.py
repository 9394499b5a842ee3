"""Sign-in forms (Flask-WTF, so each carries a CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class PhoneForm(FlaskForm):
    phone = StringField(
        _l("Ditt mobilnummer"),
        validators=[DataRequired(_l("Skriv ditt mobilnummer.")), Length(max=40)],
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Koden från sms:et"),
        validators=[DataRequired(_l("Skriv koden från sms:et.")), Length(max=20)],
    )


class StaffLoginForm(FlaskForm):
    username = StringField(_l("Användarnamn"), validators=[DataRequired(), Length(max=60)])
    password = PasswordField(_l("Lösenord"), validators=[DataRequired(), Length(max=200)])
    totp = StringField(_l("Kod från din autentiseringsapp"), validators=[Length(max=10)])
