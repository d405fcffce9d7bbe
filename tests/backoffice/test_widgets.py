"""LeanSelect writes exactly what Django's template-rendered Select writes."""

import pytest
from django import forms
from django.utils import translation

from backoffice.filters import OrderFilter
from backoffice.widgets import LeanSelect
from payments.models import Order


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en", "ar"])
@pytest.mark.parametrize(
    "data",
    [{}, {"status": "2", "currency": "TND", "three_ds": "none", "remitted": "no"}, {"status": "99"}],
    ids=["empty", "chosen", "invalid"],
)
def test_the_orders_search_selects_render_as_django_renders_them(merchant, language, data):
    with translation.override(language):
        form = OrderFilter(data, queryset=Order.objects.all(), merchant=merchant).form
        selects = {name: field for name, field in form.fields.items() if isinstance(field.widget, LeanSelect)}
        assert {"status", "action_code", "currency", "terminal", "three_ds", "remitted"} <= set(selects)
        for name, field in selects.items():
            bound = form[name]
            django_select = forms.Select(attrs=field.widget.attrs)
            django_select.choices, django_select.is_required = field.widget.choices, field.widget.is_required
            value = bound.value()
            attrs = bound.build_widget_attrs({"id": bound.auto_id})
            assert field.widget.render(bound.html_name, value, attrs) == django_select.render(
                bound.html_name, value, attrs
            ), name


def test_attributes_and_groups_follow_django():
    choices = [("Fruits", [("a", "Apple <&>"), ("b", "Banana")]), ("c", 'Cherry "red"')]
    lean, django_select = (
        LeanSelect(attrs={"required": True, "disabled": False, "data-x": "1"}),
        forms.Select(attrs={"required": True, "disabled": False, "data-x": "1"}),
    )
    lean.choices = django_select.choices = choices

    assert lean.render("fruit", "b", {"id": "id_fruit"}) == django_select.render(
        "fruit", "b", {"id": "id_fruit"}
    )
