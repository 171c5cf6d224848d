"""Messages that WTForms and Flask-WTF produce themselves (field validation, CSRF, files).

Every form translates them through the application's own catalogue (``Meta.get_translations``
and the CSRF class of ``registry.forms.FlaskForm``) - WTForms ships no Uzbek, Mongolian or
Vietnamese - so they are listed here for ``pybabel extract`` to collect. Nothing imports this
module; ``tests/test_form_messages.py`` checks that it holds every message of the installed
WTForms and Flask-WTF. (Flask-WTF's ``FileSize`` builds its message with the sizes already in
it, so no catalogue can hold it: give it a ``message=`` of its own if it is ever used.)"""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

FORM_MESSAGES = (
    _l("Invalid field name '%s'."),
    _l('Field must be equal to %(other_name)s.'),
    lazy_ngettext('Field must be at least %(min)d character long.',
                  'Field must be at least %(min)d characters long.', 1),
    lazy_ngettext('Field cannot be longer than %(max)d character.',
                  'Field cannot be longer than %(max)d characters.', 1),
    lazy_ngettext('Field must be exactly %(max)d character long.',
                  'Field must be exactly %(max)d characters long.', 1),
    _l('Field must be between %(min)d and %(max)d characters long.'),
    _l('Number must be at least %(min)s.'),
    _l('Number must be at most %(max)s.'),
    _l('Number must be between %(min)s and %(max)s.'),
    _l('This field is required.'),
    _l('Invalid input.'),
    _l('Invalid email address.'),
    _l('Invalid IP address.'),
    _l('Invalid Mac address.'),
    _l('Invalid URL.'),
    _l('Invalid UUID.'),
    _l('Invalid value, must be one of: %(values)s.'),
    _l("Invalid value, can't be any of: %(values)s."),
    _l('This field cannot be edited.'),
    _l('This field is disabled and cannot have a value.'),
    _l('Invalid CSRF Token.'),
    _l('CSRF token missing.'),
    _l('CSRF failed.'),
    _l('CSRF token expired.'),
    _l('Invalid Choice: could not coerce.'),
    _l('Choices cannot be None.'),
    _l('Not a valid choice.'),
    _l('Invalid choice(s): one or more data inputs could not be coerced.'),
    lazy_ngettext("'%(value)s' is not a valid choice for this field.",
                  "'%(value)s' are not valid choices for this field.", 1),
    _l('Not a valid datetime value.'),
    _l('Not a valid date value.'),
    _l('Not a valid time value.'),
    _l('Not a valid week value.'),
    _l('Not a valid integer value.'),
    _l('Not a valid decimal value.'),
    _l('Not a valid float value.'),
    _l('File does not have an approved extension.'),
    _l('File does not have an approved extension: {extensions}'),
    # Flask-WTF's CSRF check of a form (registry.forms passes them through gettext).
    _l('The CSRF token is missing.'),
    _l('The CSRF session token is missing.'),
    _l('The CSRF token has expired.'),
    _l('The CSRF token is invalid.'),
    _l('The CSRF tokens do not match.'),
)
