"""`field__in=[...]` on integer columns, safe for any integer a visitor can type.

Django already answers "nothing" for `pk=<an integer no column can hold>` (its
IntegerFieldOverflow lookups); `pk__in=[...]`, which every multiple-choice form field uses, does
not, and SQLite refuses to bind such an integer ("Python int too large to convert to SQLite
INTEGER"): a public form posted with `components=99999999999999999999999` was a server error.
A value no column can hold matches no row, so it is left out of the IN list.
"""

from __future__ import annotations

from django.db.models import IntegerField
from django.db.models.lookups import In


class InWithinRange(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(
                self.lhs.output_field.get_internal_type()
            )
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)


def register() -> None:
    """Installs the lookup for IntegerField and its subclasses (auto and big integer ids)."""
    IntegerField.register_lookup(InWithinRange)
