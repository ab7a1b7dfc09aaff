"""The deal board in a real browser: drag a deal to the next stage and see both columns' totals change;
drop one on "lost" and be asked the reason before anything is stored."""

import pytest
from playwright.sync_api import expect

from crm.deals.models import Deal, StageKind
from crm.deals.testing import make_deal, stage

pytestmark = pytest.mark.django_db(transaction=True)


def _column(page, name):
    return page.locator("[data-testid=column]", has=page.locator(".deal-column-name", has_text=name))


def _drag(page, card, onto):
    """Drag as a hand does: press, move in steps, release over ``onto`` (a card of another column)."""
    start, end = card.bounding_box(), onto.bounding_box()
    page.mouse.move(start["x"] + 20, start["y"] + 10)
    page.mouse.down()
    page.mouse.move(end["x"] + 30, end["y"] + 20, steps=15)
    page.mouse.move(end["x"] + 40, end["y"] + 30, steps=5)
    page.mouse.up()


def test_drag_a_deal_to_the_next_stage_and_the_totals_follow(live_server, login, manager_a):
    make_deal(manager_a, title="Станки для цеха", amount=150_000)
    make_deal(manager_a, title="Сервис на год", amount=50_000)
    make_deal(manager_a, title="Уже в КП", amount=1_000, stage_id=stage("Отправлено КП").pk)
    page = login(manager_a)
    page.goto(f"{live_server.url}/deals/")
    first, second = _column(page, "Первичный контакт"), _column(page, "Отправлено КП")
    expect(first.locator("[data-testid=column-count]")).to_have_text("2")
    expect(first.locator("[data-testid=column-sum]")).to_have_text("200\u00a0000\u00a0₽")
    card = first.locator("[data-testid=deal-card]", has_text="Станки для цеха")
    _drag(page, card, second.locator("[data-testid=deal-card]").first)  # dropped onto a card there
    expect(second.locator("[data-testid=column-count]")).to_have_text("2")
    expect(second.locator("[data-testid=column-sum]")).to_have_text("151\u00a0000\u00a0₽")
    expect(first.locator("[data-testid=column-sum]")).to_have_text("50\u00a0000\u00a0₽")
    assert Deal.objects.get(title="Станки для цеха").stage == stage("Отправлено КП")


def test_a_drop_on_lost_asks_the_reason_and_cancel_puts_the_card_back(live_server, login, manager_a):
    make_deal(manager_a, title="Пилотный проект", amount=80_000)
    page = login(manager_a)
    page.goto(f"{live_server.url}/deals/")
    first, lost = _column(page, "Первичный контакт"), _column(page, "Закрыто и не реализовано")
    first.locator("[data-testid=deal-card]").drag_to(lost.locator("[data-column-list]"))
    dialog = page.locator("[data-testid=loss-dialog]")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Пилотный проект")
    page.click("[data-testid=loss-submit]")  # no reason chosen: the server names what is missing
    expect(page.locator("[data-testid=loss-error]")).to_be_visible()
    assert Deal.objects.get().status == StageKind.OPEN
    dialog.locator("[data-cancel]").click()
    expect(dialog).to_be_hidden()
    expect(first.locator("[data-testid=deal-card]")).to_have_count(1)
    assert Deal.objects.get().status == StageKind.OPEN

    first.locator("[data-testid=deal-card]").drag_to(lost.locator("[data-column-list]"))
    dialog.locator("[data-testid=loss-reason]").select_option(label="Дорого")
    dialog.locator("textarea").fill("Бюджет урезали")
    page.click("[data-testid=loss-submit]")
    expect(dialog).to_be_hidden()
    expect(lost.locator("[data-testid=column-count]")).to_have_text("1")
    deal = Deal.objects.get()
    assert (deal.status, deal.loss_comment) == (StageKind.LOST, "Бюджет урезали")
