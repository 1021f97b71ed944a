from tests.xero import samples
from widget.xero.money import loads
from widget.xero.validation import validation_error

SENT_INVOICE = {
    "Type": "ACCREC",
    "Contact": {"ContactID": "a3675fc4-f8dd-4f03-ba5b-f1870566bcd7"},
    "LineItems": [
        {"Description": "Fish", "AccountCode": "200"},
        {"Description": "Chips", "AccountCode": "999", "TaxType": "XYZ"},
        {"AccountCode": "200"},
    ],
}


def test_invoice_messages_are_tied_to_fields_and_lines():
    error = validation_error(loads(samples.INVOICE_VALIDATION), "Invoice", SENT_INVOICE)
    fields = error.field_errors
    assert fields["LineItems[1].AccountCode"] == [
        "Account code '999' is not a valid code for this document."
    ]
    assert fields["LineItems[2].Description"] == [
        "The description field is mandatory for each line item."
    ]
    assert fields["LineItems[1].TaxType"][0].startswith("The TaxType code 'XYZ'")
    assert fields["DueDate"] == ["Due Date must not be earlier than the invoice Date"]
    assert fields["Date"][0].startswith("The document date cannot be before the end of year lock")
    assert fields["Contact"][0].startswith("The Contact must contain")
    assert error.general_errors == ["Something only Xero understands."]
    assert len(error.messages) == 7  # the repeated account-code message once
    assert error.body["ErrorNumber"] == 10
    assert error.status == 400
    assert "Something only Xero understands." in str(error)


def test_contact_messages():
    error = validation_error(loads(samples.CONTACT_VALIDATION), "Contact", {"Name": "Buzz"})
    assert error.field_errors["Name"][0].startswith("The contact name Buzz Lightyear")
    assert error.field_errors["EmailAddress"] == ["Email address must be valid."]
    assert error.general_errors == []


def test_single_line_messages_without_a_code_go_to_that_line():
    body = {
        "ErrorNumber": 10,
        "Elements": [{"ValidationErrors": [{"Message": "Quantity must be a number"}]}],
    }
    error = validation_error(body, "Quote", {"LineItems": [{"Description": "x"}]})
    assert error.field_errors == {"LineItems[0].Quantity": ["Quantity must be a number"]}


def test_unknown_line_goes_to_the_lines_as_a_whole():
    body = {"Elements": [{"ValidationErrors": [{"Message": "Account code '1' is archived"}]}]}
    error = validation_error(body, "Invoice", {"LineItems": [{"AccountCode": "2"}, {}]})
    assert error.field_errors == {"LineItems": ["Account code '1' is archived"]}


def test_no_element_messages_falls_back_to_xeros_message():
    error = validation_error(
        {"ErrorNumber": 10, "Message": "A validation exception occurred"}, "Invoice", None
    )
    assert error.messages == ["A validation exception occurred"]
    assert error.general_errors == ["A validation exception occurred"]
    assert error.field_errors == {}
