"""The HTML report (:func:`render_html`): the page in ``page``, its building blocks in
``blocks``, one section per kind of run in ``sections``, the links' sections in
``link_sections``."""

from auditkit.report.html.blocks import card, esc, external_references, figure, kpis, table
from auditkit.report.html.page import render_html

__all__ = ["card", "esc", "external_references", "figure", "kpis", "render_html", "table"]
