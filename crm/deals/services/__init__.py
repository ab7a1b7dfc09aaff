"""Every write of deals: deals and their moves (``deals``), pipelines (``pipelines``). Views, the API, the
demo and tests import from here."""

from crm.deals.money import CURRENCIES, MAX_AMOUNT, money
from crm.deals.services.catalog import ProductInput, product_save
from crm.deals.services.deals import (
    DealInput,
    deal_check,
    deal_create,
    deal_delete,
    deal_lines_save,
    deal_move,
    deal_restore,
    deal_update,
    deals_move,
    deals_to_stage,
    deals_to_stage_clean,
)
from crm.deals.services.lines import LineInput
from crm.deals.services.orders import (
    OrderInput,
    order_cancel,
    order_create,
    order_delete,
    order_restore,
    order_update,
    orders_move,
    payment_add,
    recount_clients,
)
from crm.deals.services.pipelines import PipelineInput, StageInput, pipeline_save

__all__ = [
    "CURRENCIES",
    "MAX_AMOUNT",
    "DealInput",
    "LineInput",
    "OrderInput",
    "PipelineInput",
    "ProductInput",
    "StageInput",
    "deal_check",
    "deal_create",
    "deal_delete",
    "deal_lines_save",
    "deal_move",
    "deal_restore",
    "deal_update",
    "deals_move",
    "deals_to_stage",
    "deals_to_stage_clean",
    "money",
    "order_cancel",
    "order_create",
    "order_delete",
    "order_restore",
    "order_update",
    "orders_move",
    "payment_add",
    "pipeline_save",
    "product_save",
    "recount_clients",
]
