"""The dev outbox's phone: answer a message, or press a key in a call, as its recipient."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..fields import WholeNumberField

#: Twilio's limit on one SMS body it hands us (ten segments).
MAX_REPLY = 1600


class ReplyForm(FlaskForm):
    #: The phone the thread's messages went to: the reply comes from it.
    phone = HiddenField(validators=[DataRequired()])
    #: A message id made when the form is shown, as Twilio gives each SMS one; a second press of
    #: the same form is the same message and is taken once.
    sid = HiddenField(validators=[DataRequired(), Length(max=64)])
    body = StringField(
        _l("Svar"), validators=[DataRequired(_l("Skriv ett svar.")), Length(max=MAX_REPLY)]
    )


class KeyForm(FlaskForm):
    message = WholeNumberField(validators=[InputRequired(), NumberRange(min=1)])
    digit = SelectField(
        choices=[("1", _l("1")), ("2", _l("2")), ("", _l("Ingen knapp"))], validate_choice=True
    )
