"""The caseworker's proxy forms (Flask-WTF: each carries a CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from models import ConsentMethod, ProxyRelation

from ..auth.proxy_rights import GRANTABLE, Feature
from ..fields import ticked_at_least_one
from .services import Agreement

FEATURE_NAMES = {
    Feature.SEE_VISITS: _l("se besök"),
    Feature.BOOK: _l("boka, flytta och avboka"),
    Feature.REMINDERS: _l("få kopior av påminnelser"),
    Feature.WRITE_MESSAGES: _l("skriva meddelanden"),
    Feature.SEE_RECORDS: _l("se allt om dig, och vem som har läst det"),
}
RELATION_NAMES = {
    ProxyRelation.GOD_MAN: _l("god man"),
    ProxyRelation.FORVALTARE: _l("förvaltare"),
    ProxyRelation.RELATIVE: _l("anhörig"),
    ProxyRelation.SUPPORT_PERSON: _l("stödperson"),
}
METHOD_NAMES = {
    ConsentMethod.IN_PERSON: _l("personligen"),
    ConsentMethod.PHONE: _l("i telefon"),
    ConsentMethod.IN_WRITING: _l("skriftligt"),
}


class ConsentForm(FlaskForm):
    features = SelectMultipleField(
        _l("Klienten tillåter ombudet att"),
        choices=[(f.value, FEATURE_NAMES[f]) for f in GRANTABLE],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[ticked_at_least_one(_l("Kryssa i minst en sak som klienten tillåter."))],
    )
    method = SelectField(
        _l("Hur sa klienten ja?"),
        choices=[("", _l("Välj"))] + [(m.value, METHOD_NAMES[m]) for m in ConsentMethod],
        validators=[DataRequired(_l("Välj hur klienten sa ja."))],
    )

    def agreement(self) -> Agreement:
        return Agreement(
            frozenset(Feature(v) for v in self.features.data or []), ConsentMethod(self.method.data)
        )


class RelationForm(FlaskForm):
    """Who a proxy is, said again: a god man found to be a förvaltare (migration 0026 made
    every earlier "god man or förvaltare" a god man)."""

    relation = SelectField(
        _l("Vem är ombudet?"),
        choices=[(r.value, RELATION_NAMES[r]) for r in ProxyRelation],
        validators=[DataRequired(_l("Välj vem ombudet är."))],
    )


class NewProxyForm(ConsentForm):
    name = StringField(
        _l("Namn"), validators=[DataRequired(_l("Skriv ombudets namn.")), Length(max=120)]
    )
    phone = StringField(
        _l("Mobilnummer"),
        validators=[DataRequired(_l("Skriv ombudets mobilnummer.")), Length(max=40)],
    )
    relation = SelectField(
        _l("Vem är ombudet?"),
        choices=[("", _l("Välj"))] + [(r.value, RELATION_NAMES[r]) for r in ProxyRelation],
        validators=[DataRequired(_l("Välj vem ombudet är."))],
    )
