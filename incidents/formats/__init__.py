"""Date formats per language (FORMAT_MODULE_PATH), where Django's defaults do not fit.

Month names inside dates come from the catalogs: these msgids are Django's own (the `F`
format), repeated here so that our catalogs, which take precedence, can override them:
Italian, French and Brazilian Portuguese write them in lowercase (`21 marzo`).
"""

from django.utils.translation import gettext_noop

MONTH_NAMES = (
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
)
