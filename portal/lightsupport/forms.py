"""Forms for asking for help (client) and for a first contact (resident)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from .requests import When


class HelpForm(FlaskForm):
    vad = HiddenField(validators=[DataRequired()])
    #: One of the answers the "when" page offers; anything else re-shows the form.
    nar = HiddenField(validators=[DataRequired(), AnyOf([w.value for w in When])])
    dag = HiddenField()
    hur = HiddenField(validators=[DataRequired()])
    key = HiddenField()
    text = TextAreaField(
        _l("Vill du skriva något? Du behöver inte."),
        validators=[Length(max=500, message=_l("Texten är för lång. Skriv högst 500 tecken."))],
    )


class FirstContactForm(FlaskForm):
    name = StringField(
        _l("Ditt förnamn"), validators=[DataRequired(_l("Skriv ditt förnamn.")), Length(max=80)]
    )
    phone = StringField(
        _l("Ditt mobilnummer"),
        validators=[DataRequired(_l("Skriv ditt mobilnummer.")), Length(max=40)],
    )
    text = TextAreaField(
        _l("Vad vill du ha hjälp med? Du behöver inte skriva."),
        validators=[Length(max=500, message=_l("Texten är för lång. Skriv högst 500 tecken."))],
    )
