"""The finder's cheap bound (``scoring.could_reach``) never drops a pair that ``score`` would keep: it only
spares the name comparison for pairs that cannot reach the threshold."""

from hypothesis import given, settings
from hypothesis import strategies as st

from crm.duplicates.finder import THRESHOLD
from crm.duplicates.scoring import Person, could_reach, score

# Small pools, so that two drawn cards often share a name, a phone, an e-mail, a birthday or a company.
LAST = ["Иванов", "Иванова", "Ivanov", "Иванв", "Петров", "Хохлов", "Khokhlov", "Александр", ""]
FIRST = ["Александр", "Саша", "Aleksandr", "Пётр", "Петр", "Мария", "Иванов", "Fktrcfylh", ""]
MIDDLE = ["Петрович", "Петровна", "Иванович", ""]
BIRTH = ["1980-05-17", "05-17", "1981-05-17", "1980-06-01", ""]
PHONES = ["9161234567", "9161234568", "9161243567", "4951112233", "9990001122"]
EMAILS = ["ivanov@mail.ru", "a.ivanov@firma.ru", "petrov85@ya.ru", "info@firma.ru", "khokhlov@gmail.com"]
COMPANIES = ["ООО «Ромашка»", "Romashka LLC", "ЗАО Вектор", ""]
CITIES = ["Москва", "г. Москва", "мск", "Казань", ""]


@st.composite
def people(draw, key):
    phones = draw(st.frozensets(st.sampled_from(PHONES), max_size=2))
    return Person(
        key=key,
        last=draw(st.sampled_from(LAST)).lower(),
        first=draw(st.sampled_from(FIRST)).lower(),
        middle=draw(st.sampled_from(MIDDLE)).lower(),
        birth=draw(st.sampled_from(BIRTH)),
        phones=phones,
        shared_phones=draw(st.frozensets(st.sampled_from(sorted(phones)), max_size=1))
        if phones
        else frozenset(),
        emails=draw(st.frozensets(st.sampled_from(EMAILS), max_size=2)),
        company=draw(st.sampled_from(COMPANIES)),
        city=draw(st.sampled_from(CITIES)),
    )


@settings(max_examples=1000, deadline=None)
@given(people("a"), people("b"), st.sampled_from([THRESHOLD, 0.5, 0.9, 1.0]))
def test_a_pair_that_scores_the_threshold_is_never_spared(a, b, threshold):
    value, _reasons = score(a, b)
    if value >= threshold:
        assert could_reach(a, b, threshold)
        assert could_reach(b, a, threshold)


def test_namesakes_of_one_city_with_their_own_phones_and_e_mails_are_spared():
    def namesake(key, phone, email):
        return Person(
            key,
            last="иванов",
            first="петр",
            middle="иванович",
            city="Москва",
            phones=frozenset({phone}),
            emails=frozenset({email}),
        )

    a, b = namesake("a", "9161234567", "ivanov@mail.ru"), namesake("b", "9990001122", "p.ivanov@ya.ru")
    assert score(a, b)[0] < THRESHOLD
    assert not could_reach(a, b, THRESHOLD)
    with_birthday = Person(
        "c", last="иванов", first="петр", birth="1980-05-17", phones=frozenset({"9990001122"})
    )
    same = Person("d", last="иванов", first="петр", birth="1980-05-17", phones=frozenset({"9990001122"}))
    assert could_reach(with_birthday, same, THRESHOLD)


@settings(max_examples=1000, deadline=None)
@given(people("a"), people("b"))
def test_two_cards_each_with_its_own_phone_need_more_than_names_a_city_and_a_patronymic(a, b):
    """What lets the finder's weak blocks (a name with a city or a patronymic) skip two cards that each
    have a phone: without a phone, a near phone, an e-mail, a birthday or a company in common they stay
    below the threshold."""
    from crm.duplicates.scoring import WEAK_AT_MOST, _birth, _near_phone, company_key

    assert WEAK_AT_MOST < THRESHOLD
    in_common = (
        (a.phones & b.phones)
        or _near_phone(a, b)
        or (a.emails & b.emails)
        or _birth(a, b)
        or (a.company and b.company and company_key(a.company) == company_key(b.company))
    )
    if a.phones and b.phones and not in_common:
        assert score(a, b)[0] <= WEAK_AT_MOST + 1e-9


@settings(max_examples=500, deadline=None)
@given(
    st.text("0123456789", min_size=10, max_size=10),
    st.integers(0, 9),
    st.sampled_from(["swap", "change"]),
    st.sampled_from("0123456789"),
    st.text("0123456789", min_size=9, max_size=11),
)
def test_a_phone_near_another_is_one_digit_off_or_has_two_digits_swapped(number, at, typo, digit, stranger):
    """The finder's quick rule for near phones gives what the edit distance alone would."""
    from rapidfuzz.distance import DamerauLevenshtein

    from crm.duplicates.scoring import _near_phone

    if typo == "swap":
        at = min(at, 8)
        typed = number[:at] + number[at + 1] + number[at] + number[at + 2 :]
    else:
        typed = number[:at] + digit + number[at + 1 :]
    a, b = Person("a", phones=frozenset({number})), Person("b", phones=frozenset({stranger, typed}))
    by_distance = any(
        len(x) == len(y) == 10 and DamerauLevenshtein.distance(x, y) == 1 for x in a.phones for y in b.phones
    )
    assert _near_phone(a, b) == by_distance
