from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "crm.deals"
    label = "deals"
    verbose_name = "Deals"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _
        from django.utils.translation import pgettext_lazy

        from crm.core.templatetags.crm import (
            register_field_labels,
            register_object_type,
            register_value_labels,
        )
        from crm.deals import cards, columns, demo, standard_fields
        from crm.deals.models import OrderStatus, StageKind

        standard_fields.register_all()
        columns.register()
        from crm.contacts.services import bulk_changes
        from crm.deals.models import Deal

        bulk_changes.register_kind("deal", Deal, ("title",), ("owner",))
        cards.register()
        demo.register()
        register_object_type("deals.deal", _("Deal"))
        register_object_type("deals.pipeline", _("Pipeline"))
        register_value_labels("status", dict(StageKind.choices), "deals.deal")
        register_value_labels("status", dict(OrderStatus.choices), "deals.order")
        register_object_type("deals.order", pgettext_lazy("purchase", "Order"))
        register_object_type("deals.product", _("Product"))
        register_field_labels(
            {"lines": _("Lines"), "paid": _("Paid"), "number": _("Number"), "ordered_at": _("Date")},
            "deals.order",
        )
        register_field_labels({"lines": _("Lines")}, "deals.deal")
        register_field_labels(
            {
                "sku": _("SKU"),
                "price": _("Price"),
                "unit": _("Unit"),
                "stock": _("Stock"),
                "is_active": _("On sale"),
                "name": _("Name"),
            },
            "deals.product",
        )
        register_field_labels(
            {
                "amount": _("Amount"),
                "currency": _("Currency"),
                "expected_close": _("Expected close"),
                "pipeline": _("Pipeline"),
                "stage": _("Stage"),
                "loss_reason": _("Loss reason"),
                "loss_comment": _("Loss comment"),
                "checked": _("Checklist"),
                "stages": _("Stages"),
            }
        )
