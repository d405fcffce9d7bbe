"""Form widgets written in Python where Django's templates cost too much for a page opened all day."""

from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


def _attrs(attrs: dict[str, Any]) -> SafeString:
    # As django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name alone.
    return format_html_join(
        "",
        "{}",
        ((format_html(' {}="{}"', name, value) if value is not True else format_html(" {}", name),)
         for name, value in attrs.items() if value is not False),
    )  # fmt: skip


class LeanSelect(forms.Select):
    """Django's Select with the same markup, written without a template per option: the orders search
    form holds about 80 options, and rendering each through two templates cost ~15 ms a page."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>\n',  # the include's own newline
                        str(option["value"]),
                        _attrs(option["attrs"]),
                        option["label"],
                    )
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return SafeString("".join(parts))


def lean_selects(form: forms.BaseForm) -> None:
    """Give every plain select of `form` the LeanSelect widget, with its choices and attributes."""
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            lean = LeanSelect(attrs=field.widget.attrs)
            lean.choices = field.widget.choices
            lean.is_required = field.widget.is_required
            field.widget = lean
