from django.urls import path

from crm.deals import views

app_name = "deals"

urlpatterns = [
    path("deals/", views.board, name="board"),
    path("deals/pipeline/<int:pipeline_id>/", views.board, name="pipeline_board"),
    path("deals/column/<int:stage_id>/", views.column, name="column"),
    path("deals/list/", views.deal_list, name="deal_list"),
    path("deals/new/", views.deal_create, name="deal_create"),
    path("deals/fields/", views.deal_fields, name="deal_fields"),
    path("deals/clients/", views.client_choices, name="client_choices"),
    path("deals/<int:pk>/", views.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/edit/", views.deal_edit, name="deal_edit"),
    path("deals/<int:pk>/move/", views.deal_move, name="deal_move"),
    path("deals/<int:pk>/check/", views.deal_check, name="deal_check"),
    path("deals/<int:pk>/delete/", views.deal_delete, name="deal_delete"),
    path("deals/<int:pk>/restore/", views.deal_restore, name="deal_restore"),
    path("deals/<int:pk>/lines/", views.deal_lines, name="deal_lines"),
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_edit, name="product_create"),
    path("products/<int:pk>/", views.product_edit, name="product_edit"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/pay/", views.order_pay, name="order_pay"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("orders/<int:pk>/delete/", views.order_delete, name="order_delete"),
    path("orders/<int:pk>/restore/", views.order_restore, name="order_restore"),
    path("deals/pipelines/", views.pipeline_list, name="pipeline_list"),
    path("deals/pipelines/new/", views.pipeline_edit, name="pipeline_create"),
    path("deals/pipelines/<int:pk>/", views.pipeline_edit, name="pipeline_edit"),
]
