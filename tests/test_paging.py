"""o2o.paging: a page and its total in one query, and every page number a
client can send answered without an error."""

import pytest

from o2o.paging import OneQueryPaginator
from offers.models import Offer

from .factories import OfferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def five():
    return [OfferFactory(title=f"Deal {n}") for n in range(5)]


def paginate(number, per_page=2):
    return OneQueryPaginator(Offer.objects.order_by("pk"), per_page).get_page(number)


def test_a_page_and_its_total_are_one_query(five, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = paginate("2")
        assert [o.title for o in page.object_list] == ["Deal 2", "Deal 3"]
        assert page.paginator.count == 5
        assert page.paginator.num_pages == 3
        assert page.has_next()
        assert page.has_previous()


def test_an_empty_list_is_one_empty_first_page(django_assert_num_queries):
    with django_assert_num_queries(1):
        page = paginate(None)
        assert list(page.object_list) == []
        assert page.paginator.count == 0
        assert page.number == 1


@pytest.mark.parametrize("number", ["9", "99999999999999999999999999", 10**12])
def test_a_page_past_the_end_is_the_last_page(five, number):
    page = paginate(number)
    assert page.number == 3
    assert [o.title for o in page.object_list] == ["Deal 4"]


@pytest.mark.parametrize("number", ["abc", "", None, "0", "-1", "1.5", 2.5])
def test_a_page_number_that_is_not_one_is_the_first_page(five, number):
    page = paginate(number)
    assert page.number == 1
    assert [o.title for o in page.object_list] == ["Deal 0", "Deal 1"]
