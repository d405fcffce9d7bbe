import pytest

from tests.factories import API_PASSWORD, make_api_account


@pytest.mark.django_db
def test_register_answers_an_order_id_and_form_url(client):
    account = make_api_account()
    answer = client.post(
        "/payment/rest/register.do",
        {
            "userName": account.username,
            "password": API_PASSWORD,
            "orderNumber": "A1",
            "amount": "10500",
            "returnUrl": "https://shop.example.tn/ok",
        },
    ).json()
    assert "errorCode" not in answer
    assert answer["formUrl"].endswith(f"/payment_fr.html?mdOrder={answer['orderId']}")
