"""The duplicate finder's knowledge of Russian names and its traps (R7.2)."""

import pytest

from crm.core.names import from_wrong_layout, full_forms, sound_key
from crm.duplicates.finder import THRESHOLD, find_pairs, groups
from crm.duplicates.scoring import Person, company_key, score


@pytest.mark.parametrize(
    "spellings",
    [
        ["Юрий", "Iurii", "Yuriy", "Jurij", "Yury"],
        ["Хохлов", "Khokhlov", "Hohlov"],
        ["Семёнов", "Семенов", "Semenov", "Semyonov"],
        ["Щукин", "Shchukin", "Schukin"],
        ["Зайцев", "Zaytsev", "Zaitsev"],
        ["Ярославцева", "Yaroslavtseva", "Iaroslavtseva"],
    ],
)
def test_one_name_has_one_sound_whatever_the_spelling(spellings):
    assert len({sound_key(s) for s in spellings}) == 1


def test_familiar_forms_stand_for_their_full_names():
    assert full_forms("Саша") == {sound_key("Александр"), sound_key("Александра")}
    assert full_forms("Катя") == {sound_key("Екатерина")}
    assert full_forms("Шура") == full_forms("Александр") | full_forms("Александра")
    assert full_forms("Митофан") == {sound_key("Митофан")}  # unknown names stand for themselves


def test_a_name_typed_in_the_wrong_layout_is_read_back():
    assert from_wrong_layout("Bdfyjd") == "Иванов"
    assert from_wrong_layout("Ivanov") is None


def test_company_names_match_whatever_the_legal_form_and_its_place():
    assert company_key("ООО «Ромашка»") == company_key("Ромашка ООО") == company_key('ООО "Ромашка"')
    assert company_key("Общество с ограниченной ответственностью «Ромашка»") == company_key("Romashka LLC")


def _p(key, **values):
    values = {k: frozenset(v) if k in ("phones", "emails") else v for k, v in values.items()}
    return Person(key=key, **values)


def test_a_shared_phone_with_agreeing_names_is_one_person():
    value, reasons = score(
        _p(1, last="Иванов", first="Саша", phones={"9161234567"}),
        _p(2, last="Ivanov", first="Aleksandr", phones={"9161234567"}),
    )
    assert value >= THRESHOLD
    assert "same phone" in reasons


def test_a_shared_phone_is_not_enough_when_the_names_differ():
    # A family or office phone: two different people.
    assert score(
        _p(1, last="Иванов", first="Пётр", phones={"9161234567"}),
        _p(2, last="Иванов", first="Ольга", phones={"9161234567"}),
    ) == (0.0, [])
    assert score(
        _p(1, last="Германов", first="Никита", phones={"4956352664"}),
        _p(2, last="Германова", phones={"4956352664"}),
    ) == (0.0, [])


def test_a_phone_marked_shared_is_no_evidence():
    shared = frozenset({"4952223344"})
    value, reasons = score(
        _p(1, phones={"4952223344"}, shared_phones=shared), _p(2, first="Анна", phones={"4952223344"})
    )
    assert value < THRESHOLD
    assert "same phone" not in reasons


def test_namesakes_with_their_own_phones_and_e_mails_stay_apart():
    value, _reasons = score(
        _p(1, last="Петрова", first="Елена", phones={"9560922793"}, emails={"e.petrova@a.ru"}),
        _p(2, last="Петрова", first="Елена", phones={"9116931028"}, emails={"elena_petrova16@list.ru"}),
    )
    assert value < THRESHOLD


def test_swapped_names_typos_and_birthdays_join_cards():
    value, reasons = score(
        _p(1, last="Невинномысскский", first="Василий", birth="1967-02-02"),
        _p(2, last="Вася", first="Невинномысскский", birth="1967-02-02"),
    )
    assert value >= THRESHOLD
    assert "names swapped" in reasons
    value, reasons = score(
        _p(1, last="Бобров", first="Владимир", phones={"9690344197"}),
        _p(2, last="Бобррв", first="Владимир", middle="Васильевич", phones={"9690344197"}),
    )
    assert value >= THRESHOLD


def test_different_birthdays_are_different_people():
    assert score(
        _p(1, last="Смирнов", first="Иван", birth="1980-01-01", phones={"9001112233"}),
        _p(2, last="Смирнов", first="Иван", birth="1990-05-05", phones={"9001112233"}),
    ) == (0.0, [])


def test_the_finder_compares_only_cards_that_share_something_and_groups_the_pairs():
    people = [
        _p("a", last="Рыбаков", first="Митофан", emails={"rybakov.m971@gmail.com"}),
        _p("b", last="Рыбаков", first="Митофан", emails={"rybakov.m971@gmail.com"}, phones={"9318589951"}),
        _p("c", first="Митофан", phones={"9318589951"}),
        _p("d", last="Сидоров", first="Олег", phones={"9000000000"}),
    ]
    pairs = find_pairs(people)
    assert {(p.a, p.b) for p in pairs} == {("a", "b"), ("b", "c")}
    assert groups(pairs) == [{"a", "b", "c"}]


FIRST_NAMES = [
    "Андрей",
    "Алексей",
    "Антон",
    "Аркадий",
    "Артём",
    "Александр",
    "Анатолий",
    "Альберт",
    "Арсений",
    "Адам",
]


def _city_of_namesakes():
    """A block of a hundred and two people of one surname and initial in one city (a big base's common
    case): ninety-nine different people without a phone, and one woman typed twice (a typo in her name,
    the same birthday) — the one pair to find."""
    people = [
        _p(
            f"n{i}",
            last="Смирнов",
            first=f"{FIRST_NAMES[i % 10]}",
            middle=f"{FIRST_NAMES[i // 10]}ович",
            city="Москва",
        )
        for i in range(99)
    ]
    people += [
        _p("x1", last="Смирнова", first="Анна", city="Москва", birth="1985-03-04", phones={"9111111111"}),
        _p("x2", last="Смирнова", first="Аня", city="Москва", birth="1985-03-04", phones={"9222222222"}),
        _p("x3", last="Смирнов", first="Антон", city="Москва", phones={"9333333333"}),
    ]
    return people


def test_a_big_block_is_compared_by_neighbours_in_name_order_and_still_finds_its_pair(monkeypatch):
    from crm.duplicates import finder

    compared = []
    real_score = finder.score
    monkeypatch.setattr(finder, "score", lambda a, b: compared.append((a.key, b.key)) or real_score(a, b))
    people = _city_of_namesakes()
    pairs = find_pairs(people)
    assert [(p.a, p.b) for p in pairs] == [("x1", "x2")]
    assert "same birthday" in pairs[0].reasons
    all_pairs = len(people) * (len(people) - 1) // 2
    assert len(set(compared)) < all_pairs / 2  # neighbours, not every pair of the block


def test_a_base_scored_by_several_processes_gives_the_same_pairs(monkeypatch):
    from crm.core import parallel
    from crm.duplicates import finder

    people = [
        *_city_of_namesakes(),
        _p("a", last="Рыбаков", first="Митофан", emails={"rybakov.m971@gmail.com"}),
        _p("b", last="Рыбаков", first="Митофан", emails={"rybakov.m971@gmail.com"}, phones={"9318589951"}),
        _p("c", first="Митофан", phones={"9318589951"}),
    ]
    alone = find_pairs(people)
    monkeypatch.setattr(finder, "SPLIT_FROM", 0)
    calls = []
    in_order = parallel.in_order
    monkeypatch.setattr(parallel, "in_order", lambda work, items: calls.append(1) or in_order(work, items))
    assert find_pairs(people, split=True) == alone
    assert calls == [1, 1]  # the keys made, then the blocks scored, by the other processes
    assert {(p.a, p.b) for p in alone} == {("x1", "x2"), ("a", "b"), ("b", "c")}


def test_a_card_without_a_phone_is_found_by_its_name_city_and_an_e_mail_made_of_the_name():
    from crm.duplicates import finder

    typed = _p("a", last="Иванов", first="Пётр", middle="Иванович", city="Москва", emails={"p.ivanov@ya.ru"})
    card = _p(
        "b",
        last="Иванов",
        first="Петр",
        middle="Иванович",
        city="Москва",
        phones={"9161234567"},
        emails={"ivanov.p@mail.ru"},
    )
    pairs = find_pairs([typed, card])
    assert [(p.a, p.b) for p in pairs] == [("a", "b")]
    assert "same city" in pairs[0].reasons
    assert finder._blocks([typed, card]).weak  # met through the city and the patronymic only
    # Two namesakes of one city, each with a phone of their own, are not even compared.
    namesake = _p("c", last="Иванов", first="Пётр", middle="Иванович", city="Москва", phones={"9990001122"})
    assert finder._blocks([card, namesake]).weak == []
    assert find_pairs([card, namesake]) == []


def test_a_phone_one_digit_off_joins_names_written_either_way_round():
    a = _p("a", last="Зайцев", first="Игорь", phones={"9161234567"})
    b = _p("b", last="Игорь", first="Зайцев", phones={"9161243567"})
    pairs = find_pairs([a, b])
    assert [(p.a, p.b) for p in pairs] == [("a", "b")]
    assert {"names swapped", "phone one digit off"} <= set(pairs[0].reasons)
