"""``{% load links %}``: ``{{ url|external_link }}`` links only http(s) URLs."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from tracker_rsc import links

register = template.Library()


@register.filter(name="external_link")
def external_link(value: object) -> SafeString:
    return links.external_link(value)
