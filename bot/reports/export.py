"""Leads as an Excel workbook or a CSV file, one row per lead and one column per field.

The columns follow :data:`bot.storage.LEAD_FIELDS` (a new field of the Lead dataclass is a new
column without an edit here), less :data:`EXCLUDED`: the student's Telegram user id is an
internal id a coordinator does not need (they reply through the bot or by e-mail). Headers
are the form's field labels (``signup_field_<name>``) or ``export_field_<name>``, in the
coordinator's language. Values read as in the bot: choices and statuses as their labels,
areas of interest as their titles, timestamps as real dates in the bot's time zone.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Final

from bot.content.knowledge import KnowledgeBase
from bot.content.names import clean_name, strip_invisible
from bot.content.texts import Texts
from bot.reports.labels import area_title, choice_label, language_name, status_label, text_or
from bot.storage import LEAD_FIELDS, Lead

EXCLUDED: Final = frozenset({"user_id"})
COLUMNS: Final = tuple(name for name in LEAD_FIELDS if name not in EXCLUDED)
DATETIME_FORMAT: Final = "yyyy-mm-dd hh:mm"
MONTH_FORMAT: Final = "yyyy-mm"
MAX_WIDTH: Final = 60
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | datetime | date | None


@dataclass(frozen=True)
class Month:
    """A ``YYYY-MM`` value (the preferred start): the first day of that month."""

    day: date


@dataclass(frozen=True)
class Exporter:
    """Turns leads into rows in one language and time zone. ``names`` gives the coordinators'
    names for "status set by" (their id when unknown)."""

    kb: KnowledgeBase
    texts: Texts
    lang: str
    zone: tzinfo
    names: Mapping[int, str] | None = None

    def headers(self) -> list[str]:
        """One header per column."""
        return [
            text_or(
                self.texts,
                f"signup_field_{name}",
                self.lang,
                text_or(self.texts, f"export_field_{name}", self.lang, name),
            )
            for name in COLUMNS
        ]

    def row(self, lead: Lead) -> list[Cell | Month]:
        """The lead's values, column by column."""
        return [self.value(name, getattr(lead, name)) for name in COLUMNS]

    def value(self, name: str, value: object) -> Cell | Month:
        """One field as a coordinator reads it."""
        result: Cell | Month
        if value is None or value == "":
            result = None
        elif isinstance(value, datetime):
            result = value.astimezone(self.zone).replace(tzinfo=None)  # Excel has no zones
        elif isinstance(value, tuple):
            result = "; ".join(area_title(self.kb, str(v), self.lang) for v in value) or (
                text_or(self.texts, "signup_value_not_sure", self.lang, "")
            )
        elif name == "status":
            result = status_label(self.texts, str(value), self.lang)
        elif name == "language":
            result = language_name(self.texts, str(value))
        elif name == "status_by" and isinstance(value, int):
            result = clean_name((self.names or {}).get(value, str(value)))
        elif name == "name" and isinstance(value, str):
            result = clean_name(value)
        elif isinstance(value, str):
            month = _MONTH.match(value)
            if month and 1 <= int(month.group(2)) <= 12:
                result = Month(date(int(month.group(1)), int(month.group(2)), 1))
            else:
                result = choice_label(self.texts, name, strip_invisible(value), self.lang)
        else:
            result = value if isinstance(value, int | float) else str(value)
        return result

    # ----------------------------------------------------------------- files

    def xlsx(self, leads: Sequence[Lead], title: str = "Leads") -> bytes:
        """An Excel workbook: bold, frozen header row with filters, sized columns, dates as
        dates, text kept as text (a name starting with "=" is no formula)."""
        # Imported here: openpyxl takes ~0.5 s to import, which the bot's start need not pay.
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = title[:31]
        headers = self.headers()
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        widths = [_width(h) for h in headers]
        for number, lead in enumerate(leads, start=2):
            for column, value in enumerate(self.row(lead), start=1):
                cell = sheet.cell(row=number, column=column)
                if isinstance(value, Month):
                    cell.value, cell.number_format = value.day, MONTH_FORMAT
                    shown = value.day.strftime("%Y-%m")
                elif isinstance(value, datetime):
                    cell.value, cell.number_format = value, DATETIME_FORMAT
                    shown = "2000-01-01 00:00"
                elif isinstance(value, str):
                    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                    cell.data_type = "s"  # never a formula
                    shown = value
                else:
                    cell.value = value
                    shown = "" if value is None else str(value)
                widths[column - 1] = max(widths[column - 1], _width(shown))
        for column, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, MAX_WIDTH)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    def csv(self, leads: Sequence[Lead]) -> bytes:
        """CSV in UTF-8 with a byte-order mark (so Excel reads accents and Chinese right);
        dates as ``YYYY-MM-DD HH:MM``; a cell that would start a formula gets a leading '."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(self.headers())
        for lead in leads:
            writer.writerow([_csv_text(value) for value in self.row(lead)])
        return buffer.getvalue().encode("utf-8-sig")


def _csv_text(value: Cell | Month) -> str:
    if value is None:
        return ""
    if isinstance(value, Month):
        return value.day.strftime("%Y-%m")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    text = str(value)
    return "'" + text if isinstance(value, str) and text.startswith(_FORMULA_START) else text


def _width(text: str) -> int:
    """Display width of the longest line: CJK and other wide characters count twice."""
    return max(
        (sum(2 if ord(c) >= 0x1100 else 1 for c in line) for line in text.splitlines()),
        default=0,
    )
