"""Model instances for rows our own SQL reads or writes (payments.prepared statements).

Model.__init__ sends two signals and sets each field through the model's descriptors: for the wide
Order, some 15 µs of the API's hottest calls, twenty times what the same instance costs built as
unpickling builds one: a bare object, its fields' values in __dict__, its ModelState. Only for models
whose initialisation no signal receiver watches; otherwise through Model.from_db.
"""

from django.db import models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init


def model_instance(
    model: type[models.Model],
    values: dict[str, object],
    *,
    db: str,
    related: dict[str, models.Model] | None = None,
) -> models.Model:
    """The saved row `values` (by attname) as an instance from database `db`.

    Fields missing from `values` are deferred (loaded on first access, as with .only()). `related`:
    objects already at hand for foreign keys, by field name, so reading them costs no query.
    """
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        names = [f.attname for f in model._meta.concrete_fields if f.attname in values]  # from_db's order
        instance = model.from_db(db, names, [values[name] for name in names])
        for name, value in (related or {}).items():
            setattr(instance, name, value)
        return instance
    state = ModelState()
    state.adding, state.db, state.fields_cache = False, db, dict(related or {})
    instance = model.__new__(model)
    instance.__dict__.update(values)
    instance._state = state
    return instance
